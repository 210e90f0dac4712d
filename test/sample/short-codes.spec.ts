import { describe, expect, it } from 'vitest';
import { formatShortCode, newShortCode, normalizeShortCode } from '../../sample/short-codes/short-code';
import { ShortCodeService } from '../../sample/short-codes/short-code.service';

const SHOWN = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

describe('short codes', () => {
  it('are 8 characters of the unambiguous alphabet', () => {
    const codes = new Set(Array.from({ length: 500 }, () => newShortCode()));
    // 500 draws from 2^40 codes: a repeat would mean the generator is broken.
    expect(codes.size).toBe(500);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    // Every character of the alphabet shows up, so none is stuck out of reach.
    expect(new Set([...codes].join('')).size).toBe(32);
  });

  it('are shown in two groups of four', () => {
    expect(formatShortCode('K7QM4XPD')).toBe('K7QM-4XPD');
  });

  it('read what people type: case, spaces, dashes and look-alike letters do not matter', () => {
    expect(normalizeShortCode('K7QM-4XPD')).toBe('K7QM4XPD');
    expect(normalizeShortCode(' k7qm 4xpd ')).toBe('K7QM4XPD');
    expect(normalizeShortCode('K7QM–4XPD')).toBe('K7QM4XPD');
    expect(normalizeShortCode('OIL0-1234')).toBe('01101234');
  });

  it('refuse what cannot be a short code', () => {
    for (const text of ['', 'K7QM-4XP', 'K7QM-4XPDD', 'K7QM-4XPU', 'K7QM/4XPD', 'ÄBCD-EFGH']) {
      expect(normalizeShortCode(text), text).toBeUndefined();
    }
  });
});

describe('ShortCodeService', () => {
  it('issues one short code per QR code and resolves it, typed any way', () => {
    const service = new ShortCodeService();
    const shown = service.issue('qr-1', 60, 1_000)!;
    expect(shown).toMatch(SHOWN);
    expect(service.issue('qr-1', 60, 2_000)).toBe(shown);
    expect(service.issue('qr-2', 60, 2_000)).not.toBe(shown);
    expect(service.resolve(shown, 3_000)).toBe('qr-1');
    expect(service.resolve(shown.toLowerCase().replace('-', ' '), 3_000)).toBe('qr-1');
    expect(service.resolve('not a code', 3_000)).toBeUndefined();
  });

  it('forgets a short code when its QR code expires', () => {
    const service = new ShortCodeService();
    const shown = service.issue('qr-1', 2, 10_000)!;
    expect(service.resolve(shown, 11_999)).toBe('qr-1');
    expect(service.resolve(shown, 12_000)).toBeUndefined();
    // The next issue sweeps it out of memory.
    service.issue('qr-2', 2, 12_000);
    expect(service.size).toBe(1);
    // And the QR code, should it come back, gets a new one.
    expect(service.issue('qr-1', 2, 12_000)).not.toBe(shown);
  });

  it('stops issuing at its limit, and issues again once codes expire', () => {
    const service = new ShortCodeService({ maxLive: 2 });
    expect(service.issue('a', 5, 0)).toMatch(SHOWN);
    expect(service.issue('b', 5, 0)).toMatch(SHOWN);
    expect(service.issue('c', 5, 0)).toBeUndefined();
    expect(service.issue('c', 5, 5_000)).toMatch(SHOWN);
  });
});
