import { afterEach, describe, expect, it } from 'vitest';
import { kernelOnClock, codeOf, type KernelOnClock } from '../../test/support/kernel-parts';
import { SoftwareAuthenticator } from '../../test/support/software-authenticator';
import { passkeyChallengeFrom, passkeyChallengeOf } from '../kernel/qr-login.passkey-challenge';
import { MemoryQrLoginPasskeyStore } from '../stores/memory-passkey.store';
import { MemoryQrLoginStore } from '../stores/memory-qr-login.store';
import { QrLoginPasskeyApproval } from './qr-login-passkey.approval';
import { resolvePasskeyConfig } from './qr-login-passkey.config';
import { QrLoginPasskeyRegistration } from './qr-login-passkey.registration';

/*
 * A scan approved with a passkey, wired as the module wires it: the kernel
 * (on a manual clock) asks the passkey layer for the method and the check,
 * the phone asks for the authentication options of the scanned code, a
 * software authenticator signs them, and the confirm carries the assertion.
 */

const RP = 'example.com';
const ORIGIN = 'https://app.example.com';
const alice = { id: 'u-alice', passkey: true };
const bob = { id: 'u-bob', passkey: true };
/** A user the approval function lets through by token. */
const carol = { id: 'u-carol', passkey: false };

const opened: KernelOnClock[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((kernel) => kernel.close()));
});

async function scanning() {
  const store = new MemoryQrLoginStore();
  const passkeys = new MemoryQrLoginPasskeyStore();
  const config = resolvePasskeyConfig(
    (_code: unknown, user: unknown) => ((user as typeof alice).passkey ? 'passkey' : 'token'),
    { rpId: RP, origins: ORIGIN, store: passkeys, timeoutSeconds: 90 },
  );
  const kernel = kernelOnClock(
    { store, numberMatching: { digits: 2, choices: 3 } },
    {
      approval: new QrLoginPasskeyApproval(config, store),
    },
  );
  opened.push(kernel);
  const registration = new QrLoginPasskeyRegistration(config, store, kernel.config.getUserId);
  const phone = new SoftwareAuthenticator();
  await passkeys.add({
    id: phone.id,
    userId: 'u-alice',
    publicKey: Buffer.from(phone.coseKey()).toString('base64url'),
    counter: 0,
    transports: ['internal'],
    createdAt: 1,
  });
  const created = await kernel.issuer.create({}, { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux)' });
  return { kernel, registration, phone, created, store };
}

describe("a passkey scan's authentication options", () => {
  it("give the scanner the challenge of the code and the number picked, and the user's passkeys; signing them confirms", async () => {
    const { kernel, registration, phone, created, store } = await scanning();
    await kernel.actions.scan(created.qrcodeId, alice, { ip: '198.51.100.4' });
    const record = (await store.get(created.qrcodeId))!;
    const options = (await registration.authenticationOptions(alice, created.qrcodeId, created.matchCode)) as {
      challenge: string;
    };
    expect(options).toStrictEqual({
      challenge: passkeyChallengeOf(record),
      rpId: RP,
      timeout: 90_000,
      userVerification: 'required',
      allowCredentials: [{ id: phone.id, type: 'public-key', transports: ['internal'] }],
    });
    // Another number gives another challenge: the options never tell the right one.
    const wrongNumber = created.matchCode === '00' ? '01' : '00';
    const other = (await registration.authenticationOptions(alice, created.qrcodeId, wrongNumber)) as {
      challenge: string;
    };
    expect(other.challenge).toBe(
      passkeyChallengeFrom({
        qrcodeId: created.qrcodeId,
        version: record.approval!.version,
        matchCode: wrongNumber,
        shown: record.approval!.shown,
      }),
    );
    expect(other.challenge).not.toBe(options.challenge);
    const passkey = phone.assert({ challenge: options.challenge, origin: ORIGIN, rpId: RP });
    const confirmed = await kernel.actions.confirm(created.qrcodeId, alice, { matchCode: created.matchCode, passkey });
    expect(confirmed.status).toBe('AUTHORIZED');
  });

  it("list only the scanner's own passkeys", async () => {
    const { kernel, registration, created } = await scanning();
    await kernel.actions.scan(created.qrcodeId, bob, {});
    const options = (await registration.authenticationOptions(bob, created.qrcodeId, created.matchCode)) as {
      allowCredentials: unknown;
    };
    expect(options.allowCredentials).toStrictEqual([]);
  });

  it('are refused to anyone but the scanner, and for a code that asks for no passkey', async () => {
    const { kernel, registration, created } = await scanning();
    expect(await codeOf(registration.authenticationOptions(alice, 'no-such-code'))).toBe('QR_NOT_SCANNER');
    expect(await codeOf(registration.authenticationOptions(alice, created.qrcodeId))).toBe('QR_NOT_SCANNER');
    await kernel.actions.scan(created.qrcodeId, alice, {});
    expect(await codeOf(registration.authenticationOptions(bob, created.qrcodeId))).toBe('QR_NOT_SCANNER');
    const byToken = await kernel.issuer.create({}, {});
    await kernel.actions.scan(byToken.qrcodeId, carol, {});
    await expect(registration.authenticationOptions(carol, byToken.qrcodeId)).rejects.toMatchObject({
      code: 'QR_WRONG_STATE',
      message: expect.stringMatching(/^Cannot SIGN a QR code whose status is SCANNED\. SCAN it first; /),
    });
  });

  it('a confirm without the assertion, or with one of another code, does not approve', async () => {
    const { kernel, registration, phone, created } = await scanning();
    await kernel.actions.scan(created.qrcodeId, alice, {});
    expect(await codeOf(kernel.actions.confirm(created.qrcodeId, alice, { matchCode: created.matchCode }))).toBe(
      'QR_PASSKEY_REQUIRED',
    );
    const second = await kernel.issuer.create({}, {});
    await kernel.actions.scan(second.qrcodeId, alice, {});
    const { challenge } = (await registration.authenticationOptions(alice, second.qrcodeId, second.matchCode)) as {
      challenge: string;
    };
    const passkey = phone.assert({ challenge, origin: ORIGIN, rpId: RP });
    expect(
      await codeOf(kernel.actions.confirm(created.qrcodeId, alice, { matchCode: created.matchCode, passkey })),
    ).toBe('QR_PASSKEY_INVALID');
  });
});
