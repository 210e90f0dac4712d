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
});
