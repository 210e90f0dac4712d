import { describe, expect, it } from 'vitest';
import {
  expiryOfQrCodeId,
  hashSecret,
  isQrCodeId,
  newQrCodeId,
  newSecret,
  newTicket,
  qrCodeIdOfTicket,
  safeEqual,
} from './qr-login.ids';

describe('ids and secrets', () => {
  it('makes 27-character ids that carry their expiry to the second', () => {
    const expiresAt = Date.now() + 120_000;
    const id = newQrCodeId(expiresAt);
    expect(id).toMatch(/^[A-Za-z0-9_-]{27}$/);
    expect(isQrCodeId(id)).toBe(true);
    expect(expiryOfQrCodeId(id)).toBe(Math.ceil(expiresAt / 1000) * 1000);
  });

  it('never repeats an id or a secret (128+ random bits)', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newQrCodeId(Date.now())));
    expect(ids.size).toBe(10_000);
    const secrets = new Set(Array.from({ length: 10_000 }, () => newSecret()));
    expect(secrets.size).toBe(10_000);
    expect(newSecret()).toMatch(/^[\w-]{43}$/);
  });

  it('rejects malformed ids', () => {
    for (const bad of ['', 'short', 'x'.repeat(28), `${'a'.repeat(26)}!`, 42, null, undefined]) {
      expect(isQrCodeId(bad)).toBe(false);
    }
    expect(expiryOfQrCodeId('nope')).toBeUndefined();
  });

  it('finds the code inside a ticket, and nothing inside a malformed one', () => {
    const id = newQrCodeId(Date.now() + 1000);
    const ticket = newTicket(id);
    expect(qrCodeIdOfTicket(ticket)).toBe(id);
    expect(qrCodeIdOfTicket(`${id}.short`)).toBeUndefined();
    expect(qrCodeIdOfTicket(`${id}${ticket.slice(27)}`.replace('.', '-'))).toBeUndefined();
    expect(qrCodeIdOfTicket(`x.${ticket.slice(28)}`)).toBeUndefined();
  });

  it('compares secrets by value, whatever their length', () => {
    const secret = newSecret();
    expect(safeEqual(secret, `${secret}`)).toBe(true);
    expect(safeEqual(secret, `${secret}x`)).toBe(false);
    expect(safeEqual('', secret)).toBe(false);
    expect(hashSecret(secret)).toMatch(/^[\w-]{43}$/);
    expect(hashSecret(secret)).not.toContain(secret);
  });

  it('rounds the embedded expiry up to the next whole second, and keeps a whole second as it is', () => {
    expect(expiryOfQrCodeId(newQrCodeId(1_800_000_000_001))).toBe(1_800_000_001_000);
    expect(expiryOfQrCodeId(newQrCodeId(1_800_000_000_999))).toBe(1_800_000_001_000);
    expect(expiryOfQrCodeId(newQrCodeId(1_800_000_000_000))).toBe(1_800_000_000_000);
  });

  it('takes ids of every base64url character, at each end of its ranges, and reads the expiry from the last four bytes', () => {
    for (const char of ['A', 'Z', 'a', 'z', '0', '9', '_', '-']) {
      expect(isQrCodeId(char.repeat(27)), char).toBe(true);
    }
    // 16 random bytes, then the expiry (uint32, seconds): all-zero random bytes with the largest expiry, and the reverse.
    expect(expiryOfQrCodeId('AAAAAAAAAAAAAAAAAAAAAP____8')).toBe(0xffff_ffff * 1000);
    expect(expiryOfQrCodeId('_____________________wAAAAA')).toBe(0);
  });

  it('finds no code in a ticket of the right shape whose id or secret has a character outside base64url', () => {
    const id = newQrCodeId(Date.now() + 1000);
    const secret = 'AZaz09_-'.repeat(5) + 'AZa';
    expect(qrCodeIdOfTicket(`${id}.${secret}`)).toBe(id);
    expect(qrCodeIdOfTicket(`${'!'.repeat(27)}.${secret}`)).toBeUndefined();
    expect(qrCodeIdOfTicket(`${id}.${'!'.repeat(43)}`)).toBeUndefined();
    expect(qrCodeIdOfTicket(`${id}.${secret.slice(0, 42)}!`)).toBeUndefined();
  });

  it('hashes secrets with SHA-256, base64url, as every store already holds them', () => {
    // FIPS 180-2's "abc" vector: a change of hash or encoding would make every stored secret hash unmatchable.
    expect(hashSecret('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });
});
