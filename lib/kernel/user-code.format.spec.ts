import { describe, expect, it } from 'vitest';
import { USER_CODE_ALPHABET, formatUserCode, newUserCode, normalizeUserCode, userCodeAlias } from './user-code.format';

describe('user codes (RFC 8628 §6.1)', () => {
  it('are 8 characters of 20 consonants, never a vowel or a digit', () => {
    expect(USER_CODE_ALPHABET).toHaveLength(20);
    expect(USER_CODE_ALPHABET).not.toMatch(/[AEIOUY0-9]/);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const code = newUserCode();
      expect(code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
      seen.add(code);
    }
    // 2000 draws from 2.56e10 codes: a repeat would mean the generator is not random.
    expect(seen.size).toBe(2000);
  });

  it('are shown with a dash and matched without regard to case, dashes or spaces', () => {
    expect(formatUserCode('WDJBMJHT')).toBe('WDJB-MJHT');
    for (const typed of ['WDJB-MJHT', 'wdjb-mjht', 'wdjbmjht', ' WDJB MJHT ', 'wdjb–mjht']) {
      expect(normalizeUserCode(typed)).toBe('WDJBMJHT');
    }
  });

  it('reads typed text of up to 64 characters, separators included, and nothing longer', () => {
    const padded = (length: number) => `WDJB-MJHT${' '.repeat(length - 9)}`;
    expect(normalizeUserCode(padded(64))).toBe('WDJBMJHT');
    expect(normalizeUserCode(padded(65))).toBeUndefined();
  });

  it('takes every separator a keyboard or a copy may add: dashes of each width, underscores, dots and spaces', () => {
    for (const separator of ['-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '_', '.', ' ', '\t'])
      expect(normalizeUserCode(`WDJB${separator}MJHT`), JSON.stringify(separator)).toBe('WDJBMJHT');
    expect(normalizeUserCode('WDJB/MJHT')).toBeUndefined();
  });

  it('refuses what cannot be a user code', () => {
    for (const bad of ['', 'WDJB-MJH', 'WDJB-MJHTX', 'WDJA-MJHT', 'WDJB-MJH1', 42, null, undefined, 'W'.repeat(100)]) {
      expect(normalizeUserCode(bad)).toBeUndefined();
    }
  });

  it('are stored under one alias namespace, the same for every route family and every version', () => {
    // Stores hold these keys until the code expires: a new spelling would orphan the live codes of a rolling update.
    expect(userCodeAlias('WDJBMJHT')).toBe('user-code:WDJBMJHT');
  });
});
