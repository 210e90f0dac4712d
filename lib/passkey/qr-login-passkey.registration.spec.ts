import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SoftwareAuthenticator, type RegistrationCeremony } from '../../test/support/software-authenticator';
import type { QrLoginPasskeyOptions } from './qr-login-passkey-options.interface';
import { MemoryQrLoginPasskeyStore } from '../stores/memory-passkey.store';
import { MemoryQrLoginStore } from '../stores/memory-qr-login.store';
import { QrLoginPasskeyApproval } from './qr-login-passkey.approval';
import { resolvePasskeyConfig } from './qr-login-passkey.config';
import { QrLoginPasskeyRegistration } from './qr-login-passkey.registration';
import { closedAfterEach } from '../../test/support/closed-after-each';
import { refusalOf } from '../../test/support/kernel-parts';

/*
 * Registering a phone's passkey, with the real @simplewebauthn/server and
 * real answers by a software authenticator: the creation options, the
 * answer kept as the user's passkey (which then approves), and each refusal
 * with its code and reason. The challenge's lifetime is judged on a faked
 * Date, the only clock this layer and the memory store read.
 */

const RP = 'example.com';
const ORIGIN = 'https://app.example.com';
const alice = { id: 'u-alice', username: 'alice' };
const bob = { id: 'u-bob', username: 'bob' };

const keep = closedAfterEach<MemoryQrLoginStore>();
afterEach(() => {
  vi.useRealTimers();
});

function registrationWith(options: Partial<QrLoginPasskeyOptions> = {}) {
  const passkeys = new MemoryQrLoginPasskeyStore();
  const store = keep(new MemoryQrLoginStore());
  const config = resolvePasskeyConfig('passkey', { rpId: RP, origins: ORIGIN, store: passkeys, ...options }, 'Shop');
  const registration = new QrLoginPasskeyRegistration(config, store, (user) => (user as { id: string }).id);
  /** Asks for options as `user` and answers them with `authenticator`, the ceremony changed by `wrong`. */
  const answer = async (
    authenticator: SoftwareAuthenticator,
    user: unknown = alice,
    wrong: Partial<RegistrationCeremony> = {},
  ) => {
    const { challenge } = (await registration.registrationOptions(user)) as { challenge: string };
    return authenticator.register({ challenge, origin: ORIGIN, rpId: RP, ...wrong });
  };
  return { registration, passkeys, store, config, answer };
}

/** The code and the reason (the part in parentheses) of a refusal; fails the test when `run` resolves. */
const refused = (run: Promise<unknown>) => refusalOf(run, /did not verify \((.*)\)\. Ask for new options/s);
const failed = (why: string) => ({ code: 'QR_PASSKEY_REGISTRATION_FAILED', why });

describe('passkey registration options', () => {
  it('name the relying party and the user, carry a fresh challenge, and require user verification', async () => {
    const { registration } = registrationWith({ timeoutSeconds: 60 });
    const options = (await registration.registrationOptions(alice)) as Record<string, unknown>;
    expect(options).toMatchObject({
      challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      rp: { name: 'Shop', id: RP },
      user: { id: Buffer.from('u-alice', 'utf8').toString('base64url'), name: 'alice' },
      timeout: 60_000,
      attestation: 'none',
      excludeCredentials: [],
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required', requireResidentKey: false },
    });
    const again = (await registration.registrationOptions(alice)) as { challenge: string };
    expect(again.challenge).not.toBe(options.challenge);
  });

  it("exclude the user's registered passkeys, so an authenticator is not enrolled twice", async () => {
    const { registration, answer } = registrationWith({ mayRegister: () => true });
    const phone = new SoftwareAuthenticator();
    await registration.verifyRegistration(alice, await answer(phone));
    const options = (await registration.registrationOptions(alice)) as { excludeCredentials: unknown };
    expect(options.excludeCredentials).toStrictEqual([{ id: phone.id, transports: ['internal'], type: 'public-key' }]);
    const bobs = (await registration.registrationOptions(bob)) as { excludeCredentials: unknown };
    expect(bobs.excludeCredentials).toStrictEqual([]);
  });

  it('are refused when the store cannot keep the challenge', async () => {
    const { registration, store } = registrationWith();
    store.setAlias = async () => false;
    expect((await refused(registration.registrationOptions(alice))).code).toBe('QR_STORE_UNAVAILABLE');
  });
});

describe('a passkey registration', () => {
  it('keeps the passkey for the user, lists it, and the passkey then approves', async () => {
    const { registration, passkeys, store, config, answer } = registrationWith();
    const phone = new SoftwareAuthenticator();
    const registered = await registration.verifyRegistration(alice, await answer(phone));
    expect(registered).toStrictEqual({ id: phone.id, createdAt: expect.any(Number) });
    expect(await passkeys.get(phone.id)).toStrictEqual({
      id: phone.id,
      userId: 'u-alice',
      publicKey: Buffer.from(phone.coseKey()).toString('base64url'),
      counter: 0,
      transports: ['internal'],
      createdAt: registered.createdAt,
    });
    expect(await registration.list(alice)).toStrictEqual({
      passkeys: [{ id: phone.id, createdAt: registered.createdAt, transports: ['internal'] }],
    });
    expect(await registration.list(bob)).toStrictEqual({ passkeys: [] });
    const challenge = randomBytes(32).toString('base64url');
    const assertion = phone.assert({ challenge, origin: ORIGIN, rpId: RP });
    await expect(
      new QrLoginPasskeyApproval(config, store).verifyPasskey({ challenge, userId: 'u-alice', assertion }),
    ).resolves.toBeUndefined();
  });

  it('keeps the challenge timeoutSeconds, and stamps the passkey with the time it was kept', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 0, 1) });
    const { registration, answer } = registrationWith({ timeoutSeconds: 30 });
    const inTime = await answer(new SoftwareAuthenticator());
    vi.setSystemTime(Date.now() + 29_999);
    expect(await registration.verifyRegistration(alice, inTime)).toMatchObject({ createdAt: Date.now() });
    const late = await answer(new SoftwareAuthenticator(), bob);
    vi.setSystemTime(Date.now() + 30_000);
    expect(await refused(registration.verifyRegistration(bob, late))).toEqual(failed('unknown or expired challenge'));
  });

  it.each<[string, Partial<RegistrationCeremony>, RegExp]>([
    ['no user verification', { userVerified: false }, /^User verification was required/],
    ['another origin', { origin: 'https://evil.example.net' }, /^Unexpected registration response origin/],
    ['another relying party', { rpId: 'evil.example.net' }, /RP ID/],
    [
      'an attestation whose signature fails',
      { format: 'packed', badSignature: true },
      /^the attestation does not verify$/,
    ],
  ])('is refused for %s, and keeps nothing', async (_what, wrong, reason) => {
    const { registration, passkeys, answer } = registrationWith();
    const refusal = await refused(
      registration.verifyRegistration(alice, await answer(new SoftwareAuthenticator(), alice, wrong)),
    );
    expect(refusal.code).toBe('QR_PASSKEY_REGISTRATION_FAILED');
    expect(refusal.why).toMatch(reason);
    expect(await passkeys.listByUser('u-alice')).toEqual([]);
  });

  it('takes a packed self attestation that verifies', async () => {
    const { registration, answer } = registrationWith();
    const phone = new SoftwareAuthenticator();
    const response = await answer(phone, alice, { format: 'packed' });
    expect((await registration.verifyRegistration(alice, response)).id).toBe(phone.id);
  });

  it("is refused for a challenge it never gave, another user's, or one it cannot read", async () => {
    const { registration, answer } = registrationWith();
    const phone = new SoftwareAuthenticator();
    const unknown = phone.register({ challenge: randomBytes(32).toString('base64url'), origin: ORIGIN, rpId: RP });
    expect(await refused(registration.verifyRegistration(alice, unknown))).toEqual(
      failed('unknown or expired challenge'),
    );
    const alicesChallenge = await answer(phone);
    expect(await refused(registration.verifyRegistration(bob, alicesChallenge))).toEqual(
      failed('unknown or expired challenge'),
    );
    const clientData = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const response of [
      {},
      { response: {} },
      { response: { clientDataJSON: 'not json' } },
      { response: { clientDataJSON: clientData({ challenge: 42 }) } },
      { response: { clientDataJSON: clientData(null) } },
    ]) {
      expect(await refused(registration.verifyRegistration(alice, response))).toEqual(
        failed('unknown or expired challenge'),
      );
    }
    // Alice's challenge is still hers to answer.
    expect((await registration.verifyRegistration(alice, alicesChallenge)).id).toBe(phone.id);
  });

  it('answers a challenge once, even when the first answer failed', async () => {
    const { registration, passkeys } = registrationWith({ mayRegister: () => true });
    const { challenge } = (await registration.registrationOptions(alice)) as { challenge: string };
    const phone = new SoftwareAuthenticator();
    const unverified = phone.register({ challenge, origin: ORIGIN, rpId: RP, userVerified: false });
    expect((await refused(registration.verifyRegistration(alice, unverified))).code).toBe(
      'QR_PASSKEY_REGISTRATION_FAILED',
    );
    const good = phone.register({ challenge, origin: ORIGIN, rpId: RP });
    expect(await refused(registration.verifyRegistration(alice, good))).toEqual(
      failed('this challenge was answered already'),
    );
    expect(await passkeys.listByUser('u-alice')).toEqual([]);
  });

  it('is refused for a passkey registered already, and gives each challenge its own answer', async () => {
    const { registration, answer, passkeys } = registrationWith({ mayRegister: () => true });
    const phone = new SoftwareAuthenticator();
    const other = new SoftwareAuthenticator();
    await registration.verifyRegistration(alice, await answer(phone));
    await registration.verifyRegistration(alice, await answer(other));
    expect(await refused(registration.verifyRegistration(bob, await answer(phone, bob)))).toEqual(
      failed('this passkey is registered already'),
    );
    expect((await passkeys.listByUser('u-alice')).map(({ id }) => id)).toEqual([phone.id, other.id]);
    expect(await passkeys.listByUser('u-bob')).toEqual([]);
  });

  it("gives the library's reason cut to 160 characters, whatever it threw", async () => {
    const { registration, answer } = registrationWith();
    const origin = `https://${'a'.repeat(300)}.example.com`;
    const { why } = await refused(
      registration.verifyRegistration(alice, await answer(new SoftwareAuthenticator(), alice, { origin })),
    );
    expect(why).toBe(`Unexpected registration response origin "${origin}`.slice(0, 160));
    for (const thrown of [null, 'no rawId here']) {
      const response = await answer(new SoftwareAuthenticator(), bob);
      Object.defineProperty(response, 'rawId', {
        get: () => {
          throw thrown;
        },
      });
      expect(await refused(registration.verifyRegistration(bob, response))).toEqual(failed(String(thrown)));
    }
  });
});

describe('who may register', () => {
  it('by default a user with no passkey only, checked again at verify (two tabs, one passkey)', async () => {
    const { registration, answer } = registrationWith();
    const first = await answer(new SoftwareAuthenticator());
    const second = await answer(new SoftwareAuthenticator());
    await registration.verifyRegistration(alice, first);
    expect((await refused(registration.verifyRegistration(alice, second))).code).toBe('QR_PASSKEY_REGISTRATION_CLOSED');
    expect((await refused(registration.registrationOptions(alice))).code).toBe('QR_PASSKEY_REGISTRATION_CLOSED');
    expect((await registration.list(alice)).passkeys).toHaveLength(1);
  });

  it("asks the app's mayRegister with the user and the number registered", async () => {
    const asked: Array<[unknown, number]> = [];
    const { registration, answer } = registrationWith({
      mayRegister: (user, registered) => (asked.push([user, registered]), registered < 2),
    });
    await registration.verifyRegistration(alice, await answer(new SoftwareAuthenticator()));
    expect(asked).toEqual([
      [alice, 0],
      [alice, 0],
    ]);
    await registration.verifyRegistration(alice, await answer(new SoftwareAuthenticator()));
    expect((await refused(registration.registrationOptions(alice))).code).toBe('QR_PASSKEY_REGISTRATION_CLOSED');
    expect(asked.slice(2)).toEqual([
      [alice, 1],
      [alice, 1],
      [alice, 2],
    ]);
  });
});

describe('the passkey list', () => {
  it('gives ids, dates and transports, oldest first, never a key or a counter', async () => {
    const { registration, passkeys } = registrationWith();
    await passkeys.add({ id: 'newer', userId: 'u-alice', publicKey: 'k1', counter: 3, createdAt: 20 });
    await passkeys.add({
      id: 'older',
      userId: 'u-alice',
      publicKey: 'k2',
      counter: 0,
      transports: ['hybrid'],
      createdAt: 10,
    });
    expect(await registration.list(alice)).toStrictEqual({
      passkeys: [
        { id: 'older', createdAt: 10, transports: ['hybrid'] },
        { id: 'newer', createdAt: 20 },
      ],
    });
  });
});

describe('where passkeys are not set up', () => {
  it('every call is refused with QR_PASSKEYS_DISABLED', async () => {
    const store = keep(new MemoryQrLoginStore());
    const registration = new QrLoginPasskeyRegistration(resolvePasskeyConfig('token', undefined), store, () => 'u');
    for (const run of [
      registration.list(alice),
      registration.registrationOptions(alice),
      registration.verifyRegistration(alice, {}),
      registration.authenticationOptions(alice, 'code-1'),
    ]) {
      expect((await refused(run)).code).toBe('QR_PASSKEYS_DISABLED');
    }
  });
});
