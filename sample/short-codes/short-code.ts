import { randomInt } from 'node:crypto';

/*
 * Short codes: 8 characters of Crockford's base32 (digits and capitals without
 * I, L, O and U), shown as two groups of four, e.g. "K7QM-4XPD". 40 random
 * bits: few enough to type on a phone, and only ever valid while their QR
 * code is (a few minutes), for a logged-in app user, under a rate limit.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const SHORT_CODE_LENGTH = 8;
const CANONICAL = new RegExp(`^[${ALPHABET}]{${SHORT_CODE_LENGTH}}$`);

/** A new random short code, canonical form (no separator). */
export function newShortCode(): string {
  let code = '';
  for (let i = 0; i < SHORT_CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** "K7QM4XPD" → "K7QM-4XPD", the form shown to people. */
export function formatShortCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * The canonical form of what someone typed, or undefined when it cannot be a
 * short code: case, spaces and dashes do not matter, and the letters people
 * confuse with digits (O, I, L) read as those digits, as Crockford intends.
 */
export function normalizeShortCode(text: string): string | undefined {
  const code = text
    .toUpperCase()
    .replace(/[\s\-‐-―_.]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  return CANONICAL.test(code) ? code : undefined;
}
