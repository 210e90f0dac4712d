import { describe, expect, it } from 'vitest';
import { matchNumbers, newQrCodeRecord, userCodeChoices, type NewQrCodeRecord } from './qr-code.factory';
import { normalizeUserCode } from './user-code.format';

/*
 * What a new code's record is made of, and the numbers and user codes a phone
 * picks from: their length, their count, that the right one is among them
 * and that its place tells nothing.
 */

const INPUT: NewQrCodeRecord = {
  id: 'code-1',
  type: 'MOBILE_APP',
  now: 1_700_000_000_000,
  expiresAt: 1_700_000_060_000,
  creatorSecretHash: 'hash-of-secret',
  binding: { reveal: 'creator', redeem: 'creator', via: 'native' },
  requester: { ip: '10.0.0.1', createdAt: '2023-11-14T22:13:20.000Z' },
  numberMatching: false,
};

/** Draws `times` results, for the properties of random choices. */
const draw = <T>(times: number, make: () => T): T[] => Array.from({ length: times }, make);

describe('newQrCodeRecord', () => {
  it('makes a PENDING record at version 1, kept until it expires, with nothing optional', () => {
    expect(newQrCodeRecord(INPUT)).toStrictEqual({
      id: 'code-1',
      type: 'MOBILE_APP',
      status: 'PENDING',
      version: 1,
      createdAt: 1_700_000_000_000,
      expiresAt: 1_700_000_060_000,
      retainUntil: 1_700_000_060_000,
      creatorSecretHash: 'hash-of-secret',
      binding: { reveal: 'creator', redeem: 'creator', via: 'native' },
      requester: { ip: '10.0.0.1', createdAt: '2023-11-14T22:13:20.000Z' },
    });
  });

  it('keeps custom data and context when given', () => {
    const record = newQrCodeRecord({ ...INPUT, customData: { cart: 3 }, context: { locale: 'fr' } });
    expect(record.customData).toStrictEqual({ cart: 3 });
    expect(record.context).toStrictEqual({ locale: 'fr' });
    expect(record).not.toHaveProperty('match');
  });

  it('draws the match number and its choices with number matching on', () => {
    const record = newQrCodeRecord({ ...INPUT, numberMatching: { digits: 2, choices: 4 } });
    expect(record.match!.code).toMatch(/^\d{2}$/);
    expect(record.match!.choices).toHaveLength(4);
    expect(record.match!.choices).toContain(record.match!.code);
  });
});

describe('matchNumbers', () => {
  it('draws numbers of exactly `digits` digits, leading zeros kept, over the whole range', () => {
    const codes = draw(400, () => matchNumbers(2, 3).code);
    for (const code of codes) expect(code).toMatch(/^\d{2}$/);
    // 400 draws of 00–99: some below 10 (a leading zero) and some at 50 or above, but for a broken draw.
    expect(codes.some((code) => code.startsWith('0'))).toBe(true);
    expect(codes.some((code) => Number(code) >= 50)).toBe(true);
  });

  it('offers exactly `choices` distinct numbers, the right one among them at every place', () => {
    const places = new Set<number>();
    for (const { code, choices } of draw(300, () => matchNumbers(1, 3))) {
      expect(choices).toHaveLength(3);
      expect(new Set(choices).size).toBe(3);
      for (const choice of choices) expect(choice).toMatch(/^\d$/);
      places.add(choices.indexOf(code));
    }
    expect([...places].sort()).toEqual([0, 1, 2]);
  });
});

describe('userCodeChoices', () => {
  it('offers the user code among fresh user codes, at least three and at every place', () => {
    const places = new Set<number>();
    for (const choices of draw(300, () => userCodeChoices('WDJBMJHT', 2))) {
      expect(choices).toHaveLength(3);
      expect(new Set(choices).size).toBe(3);
      for (const choice of choices) expect(normalizeUserCode(choice)).toBe(choice);
      places.add(choices.indexOf('WDJBMJHT'));
    }
    expect([...places].sort()).toEqual([0, 1, 2]);
    expect(userCodeChoices('WDJBMJHT', 3)).toHaveLength(3);
    expect(userCodeChoices('WDJBMJHT', 5)).toHaveLength(5);
  });
});
