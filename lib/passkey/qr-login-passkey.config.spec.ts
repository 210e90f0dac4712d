import { describe, expect, it } from 'vitest';
import { QrLoginConfigError } from '../kernel/qr-login.errors';
import { MemoryQrLoginPasskeyStore } from '../stores/memory-passkey.store';
import { resolvePasskeyConfig } from './qr-login-passkey.config';

/*
 * The `approval` and `passkeys` options are checked once at start: every
 * refusal, with its whole message (the message is how an operator learns
 * the fix), and every default.
 */

const RP = { rpId: 'example.com', origins: 'https://app.example.com' };

/** The message `resolvePasskeyConfig` refuses with, after the error's own prefix; fails the test when it accepts. */
function refusal(approval: unknown, passkeys: unknown, appName?: string): string {
  try {
    resolvePasskeyConfig(approval, passkeys, appName);
  } catch (error) {
    expect(error).toBeInstanceOf(QrLoginConfigError);
    const { message } = error as Error;
    expect(message.startsWith(PREFIX)).toBe(true);
    return message.slice(PREFIX.length);
  }
  return expect.unreachable('expected a refusal');
}

const PREFIX = 'QrLoginModule is misconfigured: ';
const ORIGINS_MESSAGE =
  '"passkeys.origins" must name the origin(s) the phone pages run on, e.g. "https://app.example.com".';
const TIMEOUT_MESSAGE = '"passkeys.timeoutSeconds" must be a whole number of seconds from 10 to 600.';

describe('the approval option', () => {
  it("defaults to 'token', which needs no passkeys and sets none up", () => {
    expect(resolvePasskeyConfig(undefined, undefined)).toStrictEqual({ approval: 'token' });
    expect(resolvePasskeyConfig(null, undefined)).toStrictEqual({ approval: 'token' });
    expect(resolvePasskeyConfig('token', undefined)).toStrictEqual({ approval: 'token' });
  });

  it("takes 'token', 'passkey' or a function, as given", () => {
    const decide = () => 'token' as const;
    expect(resolvePasskeyConfig('token', RP).approval).toBe('token');
    expect(resolvePasskeyConfig('passkey', RP).approval).toBe('passkey');
    expect(resolvePasskeyConfig(decide, RP).approval).toBe(decide);
  });

  it('refuses anything else, showing what it got', () => {
    for (const [given, shown] of [
      ['sms', '"sms"'],
      ['', '""'],
      [1, '1'],
      [{ method: 'passkey' }, '{"method":"passkey"}'],
    ] as const) {
      expect(refusal(given, RP)).toBe(
        `"approval" must be 'token', 'passkey' or a function of (code, user); got ${shown}.`,
      );
    }
  });

  it('refuses one that may ask for a passkey without passkeys set up', () => {
    const message = '"approval" may ask for a passkey, so set "passkeys" too: { rpId, origins }.';
    expect(refusal('passkey', undefined)).toBe(message);
    expect(refusal(() => 'token', undefined)).toBe(message);
  });
});

describe('the passkeys option', () => {
  it('defaults everything but the relying party: memory store, 120 s, first passkey only, the name shown', async () => {
    const { passkeys } = resolvePasskeyConfig('passkey', RP);
    expect(passkeys).toMatchObject({
      rpId: 'example.com',
      origins: ['https://app.example.com'],
      rpName: 'example.com',
    });
    expect(passkeys!.store).toBeInstanceOf(MemoryQrLoginPasskeyStore);
    expect(passkeys!.timeoutMs).toBe(120_000);
    expect(await passkeys!.mayRegister({ id: 'u' }, 0)).toBe(true);
    expect(await passkeys!.mayRegister({ id: 'u' }, 1)).toBe(false);
    expect(await passkeys!.mayRegister({ id: 'u' }, 2)).toBe(false);
    const { userName } = passkeys!;
    expect(userName({ username: 'alice', email: 'a@example.com', id: 'u-1' })).toBe('alice');
    expect(userName({ username: '', email: 'a@example.com', id: 'u-1' })).toBe('a@example.com');
    expect(userName({ username: 7, email: 'a@example.com', id: 'u-1' })).toBe('a@example.com');
    expect(userName({ email: '', id: 'u-1' })).toBe('u-1');
    expect(userName({ id: 42 })).toBe('user');
    expect(userName(null)).toBe('user');
    expect(userName(undefined)).toBe('user');
  });

  it("names the relying party by rpName, else the module's appName, else the rpId", () => {
    expect(resolvePasskeyConfig('token', { ...RP, rpName: 'Shop' }, 'Shop app').passkeys!.rpName).toBe('Shop');
    expect(resolvePasskeyConfig('token', RP, 'Shop app').passkeys!.rpName).toBe('Shop app');
    expect(resolvePasskeyConfig('token', RP).passkeys!.rpName).toBe('example.com');
  });

  it('keeps what the app gives: store, timeout, userName, mayRegister, a copy of the origins', () => {
    const store = new MemoryQrLoginPasskeyStore();
    const userName = () => 'shown';
    const mayRegister = () => true;
    const origins = ['https://app.example.com', 'android:apk-key-hash:abc'];
    const { passkeys } = resolvePasskeyConfig('token', {
      ...RP,
      origins,
      store,
      timeoutSeconds: 45,
      userName,
      mayRegister,
    });
    expect(passkeys).toStrictEqual({
      rpId: 'example.com',
      origins,
      rpName: 'example.com',
      store,
      timeoutMs: 45_000,
      userName,
      mayRegister,
    });
    expect(passkeys!.origins).not.toBe(origins);
    // A store of the app's own, not a class of this library, needs only the four calls.
    const own = {
      add: async () => true,
      listByUser: async () => [],
      get: async () => null,
      updateCounter: async () => true,
    };
    expect(resolvePasskeyConfig('token', { ...RP, store: own }).passkeys!.store).toBe(own);
  });

  it('refuses a missing or empty rpId', () => {
    const message = '"passkeys.rpId" must be the host name the phone page is on, e.g. "example.com".';
    expect(refusal('token', { origins: RP.origins })).toBe(message);
    expect(refusal('token', { ...RP, rpId: '' })).toBe(message);
    expect(refusal('token', { ...RP, rpId: 5 })).toBe(message);
  });

  it('refuses origins that are missing, empty, or not all non-empty strings', () => {
    for (const origins of [
      undefined,
      '',
      [],
      5,
      ['https://app.example.com', ''],
      ['https://app.example.com', 5],
      [null],
    ]) {
      expect(refusal('token', { ...RP, origins })).toBe(ORIGINS_MESSAGE);
    }
  });

  it('refuses a store that lacks any of its calls, naming them', () => {
    expect(refusal('token', { ...RP, store: {} })).toBe(
      '"passkeys.store" lacks add, listByUser, get, updateCounter: implement QrLoginPasskeyStore.',
    );
    const store = new MemoryQrLoginPasskeyStore();
    const broken = { add: store.add, listByUser: store.listByUser, get: 'get', updateCounter: undefined };
    expect(refusal('token', { ...RP, store: broken })).toBe(
      '"passkeys.store" lacks get, updateCounter: implement QrLoginPasskeyStore.',
    );
  });

  it('takes a timeout of 10 to 600 whole seconds, and refuses any other', () => {
    expect(resolvePasskeyConfig('token', { ...RP, timeoutSeconds: 10 }).passkeys!.timeoutMs).toBe(10_000);
    expect(resolvePasskeyConfig('token', { ...RP, timeoutSeconds: 600 }).passkeys!.timeoutMs).toBe(600_000);
    for (const timeoutSeconds of [9, 601, 0, -30, 60.5, '60', Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(refusal('token', { ...RP, timeoutSeconds })).toBe(TIMEOUT_MESSAGE);
    }
  });
});
