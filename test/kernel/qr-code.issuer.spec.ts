import { afterEach, describe, expect, it } from 'vitest';
import { QrLoginError } from '../../lib/kernel/qr-login.errors';
import { expiryOfQrCodeId, hashSecret } from '../../lib/kernel/qr-login.ids';
import { normalizeUserCode, userCodeAlias } from '../../lib/kernel/user-code.format';
import type {
  CreateQrCodeInput,
  QrCodeRendering,
  QrCodeTypeHandler,
} from '../../lib/kernel/interfaces/qr-code-type-handler.interface';
import { MemoryQrLoginStore } from '../../lib/stores/memory-qr-login.store';
import { kernelOnClock, recordingInstrumentation, type KernelOnClock } from '../support/kernel-parts';

/*
 * How a code is issued and how long it lives, on the memory store and a
 * manual clock: the record and the answer the issuer writes, the binding and
 * key it picks, its user code, and the lifetime it gives (tested at and one
 * millisecond past the end). Images are linked (`imageUrl: 'route'`), not
 * rendered: rendering has its own specs.
 */

const alice = { id: 'u-alice', name: 'Alice' };

const opened: KernelOnClock[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((kernel) => kernel.close()));
});

function kernel(...args: Parameters<typeof kernelOnClock>): KernelOnClock {
  const [options = {}, rest] = args;
  const made = kernelOnClock({ imageUrl: 'route', ...options }, rest);
  opened.push(made);
  return made;
}

/** The error code a promise is refused with (or the message of another error). */
const refusalOf = (promise: Promise<unknown>): Promise<string | undefined> =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof QrLoginError ? error.code : (error as Error).message),
  );

/** A type handler for WeChat mini-program codes that records what it was asked to render. */
function miniProgram(rendering: Partial<QrCodeRendering> = {}) {
  const asked: { qrcodeId: string; expiresAt: number; input: CreateQrCodeInput }[] = [];
  const handler: QrCodeTypeHandler = {
    type: 'WECHAT_MINIPROGRAM',
    render: async (code) => {
      asked.push(code);
      return { url: `https://img.test/${code.qrcodeId}`, payload: `mp:${code.qrcodeId}`, ...rendering };
    },
  };
  return { handler, asked };
}

describe('QrCodeIssuer: the lifetime of a new code', () => {
  it('ends whole seconds after now plus qrCodeTtl, rounded up as in the id, and says how many seconds remain', async () => {
    // The clock stands 250 ms past a whole second: 60 s later is rounded up to the next whole second.
    const k = kernel({ qrCodeTtl: 60 });
    const now = k.clock.now();
    expect(now % 1000).toBe(250);
    const created = await k.issuer.create();
    const record = (await k.store.get(created.qrcodeId))!;
    const end = now - 250 + 61_000;
    expect(record).toMatchObject({ status: 'PENDING', version: 1, createdAt: now, expiresAt: end });
    expect(expiryOfQrCodeId(created.qrcodeId)).toBe(end);
    expect(created.expiresIn).toBe(60);
  });

  it('keeps the lifetime on a whole second when the clock stands on one', async () => {
    const k = kernel({ qrCodeTtl: 60 }, { offsetMs: 1000 });
    const now = k.clock.now();
    expect(now % 1000).toBe(0);
    const created = await k.issuer.create();
    expect((await k.store.get(created.qrcodeId))!.expiresAt).toBe(now + 60_000);
    expect(created.expiresIn).toBe(60);
  });

  it('can be scanned until the last millisecond of its lifetime', async () => {
    const k = kernel({ qrCodeTtl: 60 });
    const created = await k.issuer.create();
    const { expiresAt } = (await k.store.get(created.qrcodeId))!;
    k.clock.advance(expiresAt - 1 - k.clock.now());
    await expect(k.actions.scan(created.qrcodeId, alice)).resolves.toMatchObject({ status: 'SCANNED' });
  });

  it('is QR_EXPIRED from the moment its lifetime ends', async () => {
    const k = kernel({ qrCodeTtl: 60 });
    const created = await k.issuer.create();
    const { expiresAt } = (await k.store.get(created.qrcodeId))!;
    k.clock.advance(expiresAt - k.clock.now());
    expect(await refusalOf(k.actions.scan(created.qrcodeId, alice))).toBe('QR_EXPIRED');
  });
});

describe('QrCodeIssuer: the record and the answer', () => {
  it("stores a PENDING code bound to its creator's secret, with its user code, and reports it", async () => {
    const k = kernel({ appName: 'Shop' });
    const created = await k.issuer.create({}, { ip: '203.0.113.7', userAgent: 'Test/1.0', origin: 'https://a.test' });
    const record = (await k.store.get(created.qrcodeId))!;
    expect(record.creatorSecretHash).toBe(hashSecret(created.creatorSecret));
    expect(record.binding).toEqual({ reveal: 'creator', redeem: 'creator', via: 'native' });
    expect(record.requester).toStrictEqual({
      ip: '203.0.113.7',
      userAgent: 'Test/1.0',
      origin: 'https://a.test',
      createdAt: new Date(k.clock.now()).toISOString(),
      appName: 'Shop',
    });
    expect(record.type).toBe('MOBILE_APP');
    expect(created).toStrictEqual({
      qrcodeId: record.id,
      url: `/qr-login/qrcodes/${record.id}/image`,
      payload: k.config.payload(record.id),
      expiresIn: created.expiresIn,
      userCode: `${record.userCode!.slice(0, 4)}-${record.userCode!.slice(4)}`,
      creatorSecret: created.creatorSecret,
    });
    expect(await k.store.resolveAlias(userCodeAlias(normalizeUserCode(created.userCode)!))).toBe(record.id);
    expect(k.events).toMatchObject([{ type: 'created', qrcodeId: record.id }]);
  });

  it('writes only the requester facts it was given, cut to their bounds', async () => {
    const k = kernel();
    const bare = await k.issuer.create();
    expect((await k.store.get(bare.qrcodeId))!.requester).toStrictEqual({
      createdAt: new Date(k.clock.now()).toISOString(),
    });
    const long = await k.issuer.create(
      {},
      { userAgent: 'u'.repeat(600), origin: `https://${'o'.repeat(300)}` },
      { client: { id: 'tv', name: 'n'.repeat(150) } },
    );
    const requester = (await k.store.get(long.qrcodeId))!.requester;
    expect(requester.userAgent).toBe('u'.repeat(512));
    expect(requester.origin).toHaveLength(256);
    expect(requester.client).toStrictEqual({ id: 'tv', name: 'n'.repeat(100) });
  });

  it('binds native codes to anyone when bindToCreator is off, and keeps a binding it is given', async () => {
    const open = kernel({ bindToCreator: false });
    const code = await open.issuer.create();
    expect((await open.store.get(code.qrcodeId))!.binding).toEqual({
      reveal: 'anyone',
      redeem: 'anyone',
      via: 'native',
    });
    const given = { reveal: 'creator', redeem: 'client', client: 'genauth:app', via: 'genauth' } as const;
    const plugin = await open.issuer.create({}, {}, { binding: given });
    expect((await open.store.get(plugin.qrcodeId))!.binding).toEqual(given);
  });

  it('keeps the JSON of the creator, and refuses JSON past the size or depth limits', async () => {
    const k = kernel({ maxCustomDataBytes: 64, maxCustomDataDepth: 2 });
    const created = await k.issuer.create({ customData: { cart: 7 }, context: { page: '/' } });
    expect(await k.store.get(created.qrcodeId)).toMatchObject({ customData: { cart: 7 }, context: { page: '/' } });
    const big = { blob: 'x'.repeat(100) };
    const deep = { a: { b: { c: 1 } } };
    for (const [input, code, field] of [
      [{ customData: big }, 'QR_PAYLOAD_TOO_LARGE', 'customData'],
      [{ context: big }, 'QR_PAYLOAD_TOO_LARGE', 'context'],
      [{ customData: deep }, 'QR_VALIDATION_FAILED', 'customData'],
      [{ context: deep }, 'QR_VALIDATION_FAILED', 'context'],
    ] as const) {
      const refusal = await k.issuer.create(input).catch((error: QrLoginError) => error);
      expect(refusal).toMatchObject({ code });
      expect((refusal as QrLoginError).message).toContain(`"${field}"`);
    }
  });

  it('refuses a code when the store is full, before writing anything', async () => {
    const k = kernel({ store: new MemoryQrLoginStore({ maxCodes: 1 }) });
    await k.issuer.create();
    expect(await refusalOf(k.issuer.create())).toBe('QR_STORE_FULL');
    expect(k.events.map((event) => event.type)).toEqual(['created']);
  });

  it('gives number matching when it is on, unless the create opts out', async () => {
    const k = kernel({ numberMatching: { digits: 2, choices: 3 } });
    const matched = await k.issuer.create();
    const record = (await k.store.get(matched.qrcodeId))!;
    expect(matched.matchCode).toMatch(/^\d{2}$/);
    expect(record.match).toMatchObject({ code: matched.matchCode });
    expect(record.match!.choices).toContain(matched.matchCode);
    expect(record.userCodeChoices).toBeUndefined();
    const plain = await k.issuer.create({}, {}, { numberMatching: false });
    expect(plain).not.toHaveProperty('matchCode');
    expect((await k.store.get(plain.qrcodeId))!.match).toBeUndefined();
  });

  it('stores the code without a user code when userCodes is off', async () => {
    const k = kernel({ userCodes: false });
    const created = await k.issuer.create();
    expect(created).not.toHaveProperty('userCode');
    expect((await k.store.get(created.qrcodeId))!.userCode).toBeUndefined();
  });

  it('is measured as the create action', async () => {
    const { instrumentation, measured } = recordingInstrumentation();
    await kernel({}, { instrumentation }).issuer.create();
    expect(measured.map(([action]) => action)).toEqual(['create']);
  });
});

describe('QrCodeIssuer: device flows', () => {
  it('makes a device code reachable by its user code only, with no number, and its user code among choices', async () => {
    const k = kernel({ numberMatching: { digits: 2, choices: 4 } });
    const binding = { reveal: 'creator', redeem: 'creator', client: 'device:tv', via: 'device' } as const;
    const created = await k.issuer.create({}, {}, { flow: 'device', binding });
    const record = (await k.store.get(created.qrcodeId))!;
    expect(record.flow).toBe('device');
    expect(record.binding).toEqual({ ...binding, scan: 'user-code' });
    expect(record.match).toBeUndefined();
    expect(created).not.toHaveProperty('matchCode');
    expect(record.userCodeChoices).toHaveLength(4);
    expect(record.userCodeChoices).toContain(record.userCode);
  });

  it('gives a device code no choices when number matching is off', async () => {
    const k = kernel();
    const created = await k.issuer.create({}, {}, { flow: 'device' });
    const record = (await k.store.get(created.qrcodeId))!;
    expect(record.flow).toBe('device');
    expect(record.userCodeChoices).toBeUndefined();
  });

  it('refuses a device flow when user codes are off, saying which option to turn on', async () => {
    const k = kernel({ userCodes: false });
    expect(await refusalOf(k.issuer.create({}, {}, { flow: 'device' }))).toMatch(/userCodes off; turn userCodes on/);
  });

  it('leaves a code without a flow for anything but a device', async () => {
    const k = kernel();
    const created = await k.issuer.create({}, {}, { flow: 'qr' });
    expect((await k.store.get(created.qrcodeId))!.flow).toBeUndefined();
  });
});

describe('QrCodeIssuer: the creator key', () => {
  const key = { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' };
  /** The key a new code is bound to, or 'no key' when its record has no `creatorKey` member at all. */
  const keyOf = async (k: KernelOnClock, options: Parameters<KernelOnClock['issuer']['create']>[2]) => {
    const record = (await k.store.get((await k.issuer.create({}, {}, options)).qrcodeId))!;
    return 'creatorKey' in record ? record.creatorKey : 'no key';
  };

  it('binds a native code to the key it was created with (dpop-or-secret, the default), else to the secret', async () => {
    const k = kernel();
    expect(await keyOf(k, { creatorKey: key })).toEqual(key);
    expect(await keyOf(k, {})).toBe('no key');
    expect(await keyOf(k, { creatorKey: { jkt: '' } })).toBe('no key');
  });

  it('ignores the key with creatorBinding secret', async () => {
    expect(await keyOf(kernel({ creatorBinding: 'secret' }), { creatorKey: key })).toBe('no key');
  });

  it('refuses a native create without a key with creatorBinding dpop (QR_DPOP_PROOF_REQUIRED)', async () => {
    const k = kernel({ creatorBinding: 'dpop' });
    expect(await keyOf(k, { creatorKey: key })).toEqual(key);
    expect(await refusalOf(k.issuer.create())).toBe('QR_DPOP_PROOF_REQUIRED');
    expect(await refusalOf(k.issuer.create({}, {}, { creatorKey: { jkt: '' } }))).toBe('QR_DPOP_PROOF_REQUIRED');
  });

  it("takes a plugin's key as given, whatever creatorBinding says", async () => {
    const binding = { reveal: 'creator', redeem: 'creator', via: 'device' } as const;
    const k = kernel({ creatorBinding: 'secret' });
    expect(await keyOf(k, { binding, creatorKey: key })).toEqual(key);
    expect(await keyOf(kernel({ creatorBinding: 'dpop' }), { binding })).toBe('no key');
  });
});

describe('QrCodeIssuer: type handlers', () => {
  it('renders a registered type through its handler, keeping its logo and connection', async () => {
    const k = kernel();
    const { handler, asked } = miniProgram({ customLogoUrl: 'https://img.test/logo.png', connection: 'conn-1' });
    k.issuer.register(handler);
    const input = { type: 'WECHAT_MINIPROGRAM', customData: { cart: 7 } } as const;
    const created = await k.issuer.create(input);
    const record = (await k.store.get(created.qrcodeId))!;
    expect(asked).toEqual([{ qrcodeId: record.id, expiresAt: record.expiresAt, input }]);
    expect(created).toMatchObject({
      url: `https://img.test/${record.id}`,
      payload: `mp:${record.id}`,
      customLogoUrl: 'https://img.test/logo.png',
    });
    expect(record.type).toBe('WECHAT_MINIPROGRAM');
    expect(record.binding).toEqual({ reveal: 'creator', redeem: 'creator', via: 'native', connection: 'conn-1' });
  });

  it('leaves out a logo and a connection the handler does not give', async () => {
    const k = kernel();
    k.issuer.register(miniProgram().handler);
    const created = await k.issuer.create({ type: 'WECHAT_MINIPROGRAM' });
    expect(created).not.toHaveProperty('customLogoUrl');
    expect((await k.store.get(created.qrcodeId))!.binding).not.toHaveProperty('connection');
  });

  it('refuses a type nobody registered, naming it (QR_VALIDATION_FAILED)', async () => {
    const k = kernel();
    const refusal = await k.issuer.create({ type: 'WECHAT_OFFICIAL_ACCOUNT' }).catch((error: QrLoginError) => error);
    expect(refusal).toMatchObject({ code: 'QR_VALIDATION_FAILED' });
    expect((refusal as Error).message).toContain('QR code type WECHAT_OFFICIAL_ACCOUNT is not enabled');
  });

  it('takes one handler per type', () => {
    const k = kernel();
    k.issuer.register(miniProgram().handler);
    expect(() => k.issuer.register(miniProgram().handler)).toThrow(
      'A handler for QR code type WECHAT_MINIPROGRAM is registered already; register each type once.',
    );
  });
});
