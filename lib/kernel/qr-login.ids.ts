import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * A qrcodeId is 16 random bytes (128 bits from the CSPRNG) followed by the
 * code's expiry in whole seconds (uint32), base64url: 27 characters. Carrying
 * the expiry in the id lets the service answer "expired" (410) for a code the
 * store has already forgotten, so stores keep nothing after expiry.
 */
const ID_RANDOM_BYTES = 16;
const ID_LENGTH = 27;
const ID_PATTERN = /^[A-Za-z0-9_-]{27}$/;

/**
 * A new random qrcodeId whose embedded expiry is `expiresAt` (ms since the epoch, rounded up to a second).
 * @internal
 */
export function newQrCodeId(expiresAt: number): string {
  const bytes = Buffer.alloc(ID_RANDOM_BYTES + 4);
  randomBytes(ID_RANDOM_BYTES).copy(bytes);
  bytes.writeUInt32BE(Math.ceil(expiresAt / 1000), ID_RANDOM_BYTES);
  return bytes.toString('base64url');
}

/** Whether the string has the shape of a qrcodeId (cheap check before any store access). */
export function isQrCodeId(id: unknown): id is string {
  return typeof id === 'string' && id.length === ID_LENGTH && ID_PATTERN.test(id);
}

/** The expiry (ms since the epoch) embedded in a well-formed id, else undefined. @internal */
export function expiryOfQrCodeId(id: string): number | undefined {
  if (!isQrCodeId(id)) return undefined;
  return Buffer.from(id, 'base64url').readUInt32BE(ID_RANDOM_BYTES) * 1000;
}

/** 256 random bits, base64url: creator secrets and ticket secrets. @internal */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 of a secret, base64url; what stores hold instead of the secret. @internal */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** Constant-time string comparison (compares digests, so lengths leak nothing either). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/**
 * A ticket is `<qrcodeId>.<secret>`: it names its code, so redemption is one lookup and one compare-and-set.
 * @internal
 */
export function newTicket(qrcodeId: string): string {
  return `${qrcodeId}.${newSecret()}`;
}

/** The qrcodeId inside a ticket, or undefined when the ticket is malformed. @internal */
export function qrCodeIdOfTicket(ticket: string): string | undefined {
  const dot = ticket.indexOf('.');
  if (dot !== ID_LENGTH || ticket.length !== ID_LENGTH + 1 + 43) return undefined;
  const id = ticket.slice(0, dot);
  return isQrCodeId(id) && /^[A-Za-z0-9_-]{43}$/.test(ticket.slice(dot + 1)) ? id : undefined;
}
