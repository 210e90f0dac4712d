import { describe, expect, it } from 'vitest';
import { USER_CODE_ALPHABET, formatUserCode, newUserCode, normalizeUserCode } from './user-code.format';

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

  it('refuses what cannot be a user code', () => {
    for (const bad of ['', 'WDJB-MJH', 'WDJB-MJHTX', 'WDJA-MJHT', 'WDJB-MJH1', 42, null, undefined, 'W'.repeat(100)]) {
      expect(normalizeUserCode(bad)).toBeUndefined();
    }
  });
});
