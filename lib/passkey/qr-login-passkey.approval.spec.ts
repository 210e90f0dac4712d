import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SoftwareAuthenticator } from '../../test/support/software-authenticator';
import { MemoryQrLoginPasskeyStore } from '../stores/memory-passkey.store';
import { MemoryQrLoginStore } from '../stores/memory-qr-login.store';
import { QrLoginPasskeyApproval } from './qr-login-passkey.approval';
import { resolvePasskeyConfig } from './qr-login-passkey.config';
import type { QrLoginApprovalFacts } from '../kernel/interfaces/qr-login-approval.port';
import { closedAfterEach } from '../../test/support/closed-after-each';
import { refusalOf } from '../../test/support/kernel-parts';

const PASSKEYS = { rpId: 'example.com', origins: 'https://example.com' };
const facts = (over: Partial<QrLoginApprovalFacts> = {}): QrLoginApprovalFacts => ({
  qrcodeId: 'code-1',
  flow: 'qr',
  via: 'native',
  risk: { verdict: 'allow', flags: [], facts: { sameIp: true, sameNetwork: true } },
  appUser: { id: 'u-alice' },
  userId: 'u-alice',
  ...over,
});
const stepUp = {
  verdict: 'warn' as const,
  flags: [],
  facts: { sameIp: false, sameNetwork: false },
  stepUp: 'passkey' as const,
};

describe('the approval method of a scan', () => {
  it('is the option, or the step-up a policy asked for, which the option cannot lower', async () => {
    const byToken = new QrLoginPasskeyApproval(resolvePasskeyConfig('token', PASSKEYS), new MemoryQrLoginStore());
    expect(await byToken.methodFor(facts())).toBe('token');
    expect(await byToken.methodFor(facts({ risk: stepUp }))).toBe('passkey');
    const asked: unknown[] = [];
    const byFunction = new QrLoginPasskeyApproval(
      resolvePasskeyConfig((code: unknown) => (asked.push(code), 'token'), PASSKEYS),
      new MemoryQrLoginStore(),
    );
    expect(await byFunction.methodFor(facts({ risk: stepUp }))).toBe('passkey');
    expect(await byFunction.methodFor(facts({ flow: 'device', via: 'device' }))).toBe('token');
    expect(asked).toEqual([expect.objectContaining({ qrcodeId: 'code-1', flow: 'device', via: 'device' })]);
  });

  it("takes the function's answer, sync or async, and refuses any other than 'token' or 'passkey'", async () => {
    const deciding = (answer: unknown) =>
      new QrLoginPasskeyApproval(
        resolvePasskeyConfig(async () => answer, PASSKEYS),
        new MemoryQrLoginStore(),
      );
    expect(await deciding('passkey').methodFor(facts())).toBe('passkey');
    expect(await deciding('token').methodFor(facts())).toBe('token');
    for (const [answer, shown] of [
      ['sms', '"sms"'],
      ['', '""'],
      [undefined, 'undefined'],
      [{ method: 'passkey' }, '{"method":"passkey"}'],
    ] as const) {
      const refusal = await deciding(answer)
        .methodFor(facts())
        .then(
          () => undefined,
          (error: Error) => error,
        );
      expect(refusal).toBeInstanceOf(TypeError);
      expect(refusal?.message).toBe(`The approval option returned ${shown}; it must return 'token' or 'passkey'.`);
    }
  });

  it('leaves WeChat codes to WeChat: no passkey can sign there, whatever the option or a policy says', async () => {
    const byPasskey = new QrLoginPasskeyApproval(resolvePasskeyConfig('passkey', PASSKEYS), new MemoryQrLoginStore());
    expect(await byPasskey.methodFor(facts())).toBe('passkey');
    expect(await byPasskey.methodFor(facts({ via: 'wechat', risk: stepUp }))).toBe('token');
  });

  it('refuses options that cannot work, at start', () => {
    expect(() => resolvePasskeyConfig('passkey', undefined)).toThrow(/set "passkeys"/);
    expect(() => resolvePasskeyConfig('sms', PASSKEYS)).toThrow(/"approval" must be/);
    expect(() => resolvePasskeyConfig('token', { origins: 'https://example.com' })).toThrow(/rpId/);
    expect(() => resolvePasskeyConfig('token', { rpId: 'example.com', origins: [] })).toThrow(/origins/);
    expect(() => resolvePasskeyConfig('token', { ...PASSKEYS, store: {} })).toThrow(/lacks add, listByUser/);
  });
});

/*
 * The assertion check, with the real @simplewebauthn/server and real
 * signatures by a software authenticator: each check of verifyPasskey has a
 * test that an assertion failing only that check is refused, with the code
 * and the reason the refusal gives.
 */

const RP = 'example.com';
const ORIGIN = 'https://app.example.com';
const RELYING_PARTY = { rpId: RP, origins: [ORIGIN, 'https://other.example.com'] };
const ALICE = 'u-alice';

/** The credential ids the approval asked its passkey store for, in order. */
class RecordingPasskeyStore extends MemoryQrLoginPasskeyStore {
  readonly asked: unknown[] = [];
  override async get(id: string) {
    this.asked.push(id);
    return super.get(id);
  }
}

/** A store shared by two instances, where the other instance's approval moves the counter first. */
class RacedPasskeyStore extends RecordingPasskeyStore {
  override async updateCounter(id: string, expected: number, counter: number): Promise<boolean> {
    await super.updateCounter(id, expected, counter + 1);
    return super.updateCounter(id, expected, counter);
  }
}

const keep = closedAfterEach<MemoryQrLoginStore>();

function approvalWith(passkeys: RecordingPasskeyStore = new RecordingPasskeyStore()) {
  const store = keep(new MemoryQrLoginStore());
  const approval = new QrLoginPasskeyApproval(
    resolvePasskeyConfig('passkey', { ...RELYING_PARTY, store: passkeys }),
    store,
  );
  /** Keeps the authenticator's credential for `userId`, as a registration would, with the counter given. */
  const enrol = (authenticator: SoftwareAuthenticator, userId = ALICE, counter = 0) =>
    passkeys.add({
      id: authenticator.id,
      userId,
      publicKey: Buffer.from(authenticator.coseKey()).toString('base64url'),
      counter,
      transports: ['internal'],
      createdAt: 1,
    });
  const challenge = randomBytes(32).toString('base64url');
  const verify = (assertion: Record<string, unknown>, userId = ALICE, expected = challenge) =>
    approval.verifyPasskey({ challenge: expected, userId, assertion });
  return { approval, passkeys, enrol, challenge, verify };
}

/** The code and the reason (the part in parentheses) of a refusal; fails the test when `run` resolves. */
const refused = (run: Promise<unknown>) => refusalOf(run, /this request \((.*)\), so the code was cancelled/s);

describe('a passkey assertion', () => {
  it("passes when it is a user-verified signature of the challenge by one of the user's passkeys", async () => {
    const { enrol, challenge, verify, passkeys } = approvalWith();
    const phone = new SoftwareAuthenticator();
    await enrol(phone);
    await expect(verify(phone.assert({ challenge, origin: ORIGIN, rpId: RP }))).resolves.toBeUndefined();
    expect((await passkeys.get(phone.id))?.counter).toBe(1);
    // Any of the configured origins.
    await expect(
      verify(phone.assert({ challenge, origin: 'https://other.example.com', rpId: RP })),
    ).resolves.toBeUndefined();
    expect((await passkeys.get(phone.id))?.counter).toBe(2);
  });

  it.each([
    ['another challenge', { challenge: 'c29tZS1vdGhlci1jb2Rl' }, /^Unexpected authentication response challenge/],
    ['another origin', { origin: 'https://evil.example.net' }, /^Unexpected authentication response origin/],
    ['another relying party', { rpId: 'evil.example.net' }, /RP ID/],
    ['no user verification', { userVerified: false }, /^User verification required/],
    ['a registration', { type: 'webauthn.create' }, /^Unexpected authentication response type/],
    ['a signature that does not verify', { badSignature: true }, /^the signature does not verify$/],
  ])('is refused when it carries %s, and moves no counter', async (_what, wrong, reason) => {
    const { enrol, challenge, verify, passkeys } = approvalWith();
    const phone = new SoftwareAuthenticator();
    await enrol(phone);
    const refusal = await refused(verify(phone.assert({ challenge, origin: ORIGIN, rpId: RP, ...wrong })));
    expect(refusal.code).toBe('QR_PASSKEY_INVALID');
    expect(refusal.why).toMatch(reason);
    expect((await passkeys.get(phone.id))?.counter).toBe(0);
  });

  it("is refused when the passkey is another user's, or unknown, or its id no string, without asking the store for junk", async () => {
    const { enrol, challenge, verify, passkeys } = approvalWith();
    const bobs = new SoftwareAuthenticator();
    await enrol(bobs, 'u-bob');
    const signed = { challenge, origin: ORIGIN, rpId: RP };
    expect(await refused(verify(bobs.assert(signed)))).toEqual({
      code: 'QR_PASSKEY_INVALID',
      why: 'not a passkey of this user',
    });
    expect(await refused(verify(new SoftwareAuthenticator().assert(signed)))).toEqual({
      code: 'QR_PASSKEY_INVALID',
      why: 'not a passkey of this user',
    });
    expect(passkeys.asked).toEqual([bobs.id, expect.any(String)]);
    for (const id of [42, '', undefined, { toString: () => bobs.id }]) {
      expect(await refused(verify({ ...bobs.assert(signed), id }, 'u-bob'))).toEqual({
        code: 'QR_PASSKEY_INVALID',
        why: 'not a passkey of this user',
      });
    }
    expect(passkeys.asked).toHaveLength(2);
  });

  it('counts once: the same assertion again is a replay, from an authenticator that counts or not', async () => {
    for (const counting of [true, false]) {
      const { enrol, challenge, verify } = approvalWith();
      const phone = new SoftwareAuthenticator(counting);
      await enrol(phone);
      const assertion = phone.assert({ challenge, origin: ORIGIN, rpId: RP });
      await verify(assertion);
      expect(await refused(verify(assertion))).toEqual({ code: 'QR_PASSKEY_REPLAYED', why: undefined });
    }
  });

  it('takes an authenticator that keeps no counter (0 every time) again and again', async () => {
    const { enrol, challenge, verify, passkeys } = approvalWith();
    const phone = new SoftwareAuthenticator(false);
    await enrol(phone);
    for (let i = 0; i < 3; i += 1) await verify(phone.assert({ challenge, origin: ORIGIN, rpId: RP }));
    expect((await passkeys.get(phone.id))?.counter).toBe(0);
  });

  it('refuses a counter that did not advance: lower, equal, or back to 0 after counting', async () => {
    const { enrol, challenge, verify, passkeys } = approvalWith();
    const phone = new SoftwareAuthenticator();
    await enrol(phone, ALICE, 5);
    const signed = { challenge, origin: ORIGIN, rpId: RP };
    for (const counter of [3, 5, 0]) {
      expect(await refused(verify(phone.assert({ ...signed, counter })))).toEqual({
        code: 'QR_PASSKEY_COUNTER',
        why: undefined,
      });
    }
    expect((await passkeys.get(phone.id))?.counter).toBe(5);
    await verify(phone.assert({ ...signed, counter: 6 }));
    expect((await passkeys.get(phone.id))?.counter).toBe(6);
  });

  it('refuses when the store will not move the counter (another instance approved with it first)', async () => {
    const { enrol, challenge, verify } = approvalWith(new RacedPasskeyStore());
    const phone = new SoftwareAuthenticator();
    await enrol(phone);
    expect(await refused(verify(phone.assert({ challenge, origin: ORIGIN, rpId: RP })))).toEqual({
      code: 'QR_PASSKEY_COUNTER',
      why: undefined,
    });
  });

  it("gives the library's reason cut to 160 characters, whatever it threw", async () => {
    const { enrol, challenge, verify } = approvalWith();
    const phone = new SoftwareAuthenticator();
    await enrol(phone);
    const long = 'A'.repeat(300);
    const { why } = await refused(verify(phone.assert({ challenge: long, origin: ORIGIN, rpId: RP })));
    expect(why).toBe(`Unexpected authentication response challenge "${long}`.slice(0, 160));
    // Not every failure is an Error: a thrown value is told as it is.
    for (const thrown of [null, 'no rawId here']) {
      const assertion = phone.assert({ challenge, origin: ORIGIN, rpId: RP });
      Object.defineProperty(assertion, 'rawId', {
        get: () => {
          throw thrown;
        },
      });
      expect(await refused(verify(assertion))).toEqual({ code: 'QR_PASSKEY_INVALID', why: String(thrown) });
    }
  });

  it('is refused, not checked, where passkeys are not set up', async () => {
    const store = keep(new MemoryQrLoginStore());
    const approval = new QrLoginPasskeyApproval(resolvePasskeyConfig('token', undefined), store);
    const phone = new SoftwareAuthenticator();
    const assertion = phone.assert({ challenge: 'x', origin: ORIGIN, rpId: RP });
    expect((await refused(approval.verifyPasskey({ challenge: 'x', userId: ALICE, assertion }))).code).toBe(
      'QR_PASSKEYS_DISABLED',
    );
  });
});
