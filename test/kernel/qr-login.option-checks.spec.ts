import { describe, expect, it } from 'vitest';
import { QrLoginConfigError } from '../../lib/kernel/qr-login.errors';
import {
  closestKey,
  describeConfigValue,
  numericStringHint,
  refuseUnknownKeys,
} from '../../lib/kernel/qr-login.option-checks';
import { thrownBy as thrown } from '../support/kernel-parts';

/*
 * The helpers of every start-up refusal, one by one: how a wrong value is
 * shown, when the hint about environment strings appears, which key is
 * suggested for a misspelled one (and up to how far off), and the whole
 * message of an unknown key. lib/kernel/qr-login.option-checks.spec.ts checks
 * them through the options the module resolves.
 */

const HINT =
  ' Environment values are strings: convert it, e.g. Number(config.get("QR_TTL")) or config.get("QR_TTL", { infer: true }) with a validated schema.';

describe('describeConfigValue', () => {
  it.each([
    ['90', 'the string "90"'],
    ['', 'the string ""'],
    [null, 'null'],
    [undefined, 'undefined'],
    [90, '90'],
    [Number.NaN, 'NaN'],
    [false, 'false'],
    [true, 'true'],
    [10n, '10'],
    [() => 1, 'a function'],
    [[1, 2], 'an array'],
    [{ ttl: 1 }, 'an object'],
  ])('shows %s as %s', (value, shown) => {
    expect(describeConfigValue(value)).toBe(shown);
  });
});

describe('numericStringHint', () => {
  it.each([['90'], [' 90 '], ['1e3'], ['-5'], ['0']])('hints at conversion for the numeric string %j', (value) => {
    expect(numericStringHint(value)).toBe(HINT);
  });

  it.each([[''], ['   '], ['ninety'], ['Infinity'], [90], [null]])('says nothing for %j', (value) => {
    expect(numericStringHint(value)).toBe('');
  });
});

describe('closestKey', () => {
  const WINDOW = ['window'];

  it('finds the key whatever its case', () => {
    expect(closestKey('WINDOW', WINDOW)).toBe('window');
    expect(closestKey('qrcodettl', ['ticketTtl', 'qrCodeTtl'])).toBe('qrCodeTtl');
  });

  it('suggests a key at most two edits away and none at three', () => {
    // Substitutions, insertions and deletions; none of these share the start that the plural rule looks at.
    expect(closestKey('wXndXw', WINDOW)).toBe('window');
    expect(closestKey('wXnXXw', WINDOW)).toBeUndefined();
    expect(closestKey('wXinXdow', WINDOW)).toBe('window');
    expect(closestKey('wXiXnXdow', WINDOW)).toBeUndefined();
    expect(closestKey('wndw', WINDOW)).toBe('window');
    expect(closestKey('wnw', WINDOW)).toBeUndefined();
    expect(closestKey('pa', ['path'])).toBe('path');
    expect(closestKey('p', ['path'])).toBeUndefined();
    expect(closestKey('', ['ab'])).toBe('ab');
    expect(closestKey('', ['abc'])).toBeUndefined();
  });

  it('takes a plural for its singular and the other way round, from four letters on', () => {
    expect(closestKey('strategy', ['strategies'])).toBe('strategies');
    expect(closestKey('categories', ['category'])).toBe('category');
    expect(closestKey('abcd', ['abcdefgh'])).toBe('abcdefgh');
    expect(closestKey('abc', ['abcdefg'])).toBeUndefined();
    // Only the whole start counts, not its first letter.
    expect(closestKey('abcd', ['azzzzzz'])).toBeUndefined();
    expect(closestKey('azzzzzz', ['abcd'])).toBeUndefined();
  });

  it('keeps the nearest key, the first of equals', () => {
    expect(closestKey('abce', ['abcd', 'abce'])).toBe('abce');
    expect(closestKey('abce', ['abce', 'abcd'])).toBe('abce');
    expect(closestKey('cookiez', ['cookies', 'cookie'])).toBe('cookies');
    expect(closestKey('cookiez', ['cookie', 'cookies'])).toBe('cookie');
    expect(closestKey('xyz', [])).toBeUndefined();
  });
});

describe('refuseUnknownKeys', () => {
  const VALID = ['name', 'secure', 'sameSite', 'path'];

  it('lets known keys through', () => {
    expect(() => refuseUnknownKeys('cookie', { name: 'c', sameSite: 'lax' }, VALID)).not.toThrow();
    expect(() => refuseUnknownKeys('cookie', {}, VALID)).not.toThrow();
  });

  it('names the first unknown key under its option, the key meant and the valid ones', () => {
    const error = thrown(() => refuseUnknownKeys('cookie', { name: 'c', samesite: 'lax', zzz: 1 }, VALID));
    expect(error).toBeInstanceOf(QrLoginConfigError);
    expect(error.message).toBe(
      'QrLoginModule is misconfigured: "cookie.samesite" is not an option; did you mean "sameSite"? The "cookie" options are name, secure, sameSite, path.',
    );
  });

  it('words a top-level key without a parent, and one with no near key without a suggestion', () => {
    expect(thrown(() => refuseUnknownKeys('', { zzzzzz: 1 }, VALID)).message).toBe(
      'QrLoginModule is misconfigured: "zzzzzz" is not an option. The options are name, secure, sameSite, path.',
    );
  });

  it('throws what the caller makes of the message', () => {
    class PluginConfigError extends Error {}
    const error = thrown(() =>
      refuseUnknownKeys('plugin', { secur: true }, VALID, (message) => new PluginConfigError(message)),
    );
    expect(error).toBeInstanceOf(PluginConfigError);
    expect(error.message).toBe(
      '"plugin.secur" is not an option; did you mean "secure"? The "plugin" options are name, secure, sameSite, path.',
    );
  });
});
