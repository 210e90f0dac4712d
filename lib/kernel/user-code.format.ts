import { randomInt } from 'node:crypto';

/*
 * User codes (RFC 8628 §6.1): 8 characters from 20 consonants, shown as two
 * groups of four (`WDJB-MJHT`). No vowels, so no words are spelled by chance;
 * no digits, so nothing is confused with O/0 or I/1; and only capitals are
 * stored, so what a person types is matched without regard to case, dashes
 * or spaces. 20^8 ≈ 2.56 × 10^10 codes; docs/routes.md ("User codes") works out what that means
 * against the per-user rate limit.
 */
/** @internal */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
/** @internal */
export const USER_CODE_LENGTH = 8;
const CANONICAL = new RegExp(`^[${USER_CODE_ALPHABET}]{${USER_CODE_LENGTH}}$`);

/** A new random user code in canonical form (capitals, no dash), from the CSPRNG. @internal */
export function newUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

/** `WDJBMJHT` → `WDJB-MJHT`, the form shown to people. */
export function formatUserCode(canonical: string): string {
  return `${canonical.slice(0, 4)}-${canonical.slice(4)}`;
}

/**
 * The canonical form of what someone typed or scanned, or undefined when it
 * cannot be a user code. Case, spaces, dashes and other separators do not matter.
 */
export function normalizeUserCode(text: unknown): string | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined;
  const code = text.toUpperCase().replace(/[\s\-‐-―_.]/g, '');
  return CANONICAL.test(code) ? code : undefined;
}

/**
 * The store alias of a user code: one namespace for every route family, so each resolves codes the same way.
 * @internal
 */
export function userCodeAlias(canonical: string): string {
  return `user-code:${canonical}`;
}
