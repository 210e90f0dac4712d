import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { newDpopKey } from '../../../test/support/dpop';
import { pluginKernel, RecordingMemoryStore, type PluginKernel } from '../../../test/support/plugin-kernel';
import { QrLoginError, QrLoginStoreFullError, QrLoginStoreUnavailableError, type QrLoginErrorCode } from '../../plugin';
import { DEVICE_CODE_GRANT_TYPE } from './device.constants';
import { QrLoginDeviceGrantException } from './device.errors';
import type { QrLoginDeviceGrantForRootOptions } from './device.module-definition';
import { QrLoginDeviceGrantModule } from './device.module';
import { QrLoginDeviceGrantService, type DeviceGrantRequest } from './device-grant.service';

/*
 * The device grant's decisions (RFC 8628) over the real kernel service, the
 * memory store and a manual clock: client checks, the device authorization's
 * answer and what it stores, and every answer of the token endpoint, each
 * interval and lifetime tried at and one millisecond short of its bound.
 */

const ORIGIN = 'https://login.example';
const INTERVAL_MS = 5_000;
const alice = { id: 'alice' };

let k: PluginKernel | undefined;
afterEach(async () => {
  await k?.close();
  k = undefined;
});

async function grantOn(
  options: Parameters<typeof pluginKernel>[0] = {},
  grant: Partial<QrLoginDeviceGrantForRootOptions> = {},
): Promise<{ k: PluginKernel; grant: QrLoginDeviceGrantService }> {
  k = await pluginKernel(
    {
      issueTokenSet: (user: any) => ({ access_token: `token-for-${user.id}`, expires_in: 600, user }),
      loadUser: (userId: string) => (userId === 'mallory' ? null : { id: userId }),
      ...options,
    },
    [
      QrLoginDeviceGrantModule.forRoot({
        clients: [
          { clientId: 'tv', name: 'Living-room TV' },
          { clientId: 'radio' },
          { clientId: 'box', clientSecret: 'box-secret', tokenEndpointAuthMethod: 'client_secret_post' },
        ],
        interval: INTERVAL_MS / 1000,
        ...grant,
      }),
    ],
  );
  return { k, grant: k.moduleRef.get(QrLoginDeviceGrantService) };
}

function request(body: Record<string, unknown>, extra: Partial<DeviceGrantRequest> = {}): DeviceGrantRequest {
  return {
    raw: { ip: '203.0.113.7', headers: { 'user-agent': 'TV/1.0' } },
    body,
    origin: ORIGIN,
    ...extra,
  };
}

const tokenBody = (deviceCode: string, clientId = 'tv') => ({
  client_id: clientId,
  grant_type: DEVICE_CODE_GRANT_TYPE,
  device_code: deviceCode,
});

const hashOf = (deviceCode: string) => createHash('sha256').update(deviceCode).digest('base64url');

/** A refusal as `status error: description [Retry-After]`, or `answered` when the call went through. */
async function refusal(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return 'answered';
  } catch (error) {
    if (!(error instanceof QrLoginDeviceGrantException)) throw error;
    const retry = error.retryAfterSeconds === undefined ? '' : ` [${error.retryAfterSeconds}]`;
    return `${error.getStatus()} ${error.code}: ${error.message}${retry}`;
  }
}

const PENDING = '400 authorization_pending: Nobody has confirmed this login yet: poll again after the interval.';
const slowDown = (s: number) => `400 slow_down: Polled too soon: wait at least ${s} s between polls from now on.`;
const DENIED =
  '400 access_denied: The user declined this login (or the site refused it); start a new device flow to try again.';
const EXPIRED = '400 expired_token: This device code has expired; start a new device flow.';
const NOT_VALID = '400 invalid_grant: This device_code is not valid for this client (unknown, or redeemed already).';
const REDEEMED =
  '400 invalid_grant: This device_code was redeemed already (or its token window passed); start a new device flow.';

/** A memory store that holds no more codes, a slot freeing in `retryAfterMs`. */
class FullStore extends RecordingMemoryStore {
  constructor(private readonly retryAfterMs: number) {
    super();
  }

  // A device flow has a user code: its code is written with the user code's alias in one step.
  override async createWithAlias(): Promise<never> {
    throw new QrLoginStoreFullError('full for this test', this.retryAfterMs);
  }
}

/** A memory store whose reads of a code fail as a backend that cannot be reached, once `down` is set. */
class UnreachableStore extends RecordingMemoryStore {
  down = false;

  override async get(id: string): ReturnType<RecordingMemoryStore['get']> {
    if (this.down) throw new QrLoginStoreUnavailableError('the backend is down for this test');
    return super.get(id);
  }
}

async function confirmAs(k: PluginKernel, userCode: string, user = alice): Promise<void> {
  await k.kernel.scanByUserCode(userCode, user, {}, { entry: 'typed' });
  await k.kernel.actByUserCode(userCode, 'CONFIRM', user);
}

describe('QrLoginDeviceGrantService: issuer and metadata', () => {
  it('takes the origin without its trailing slashes as the issuer when none is configured', async () => {
    const { grant } = await grantOn();
    expect(grant.issuerFor('https://a.example//')).toBe('https://a.example');
    expect(grant.issuerFor('https://a.example')).toBe('https://a.example');
  });

  it('takes the configured issuer whatever the origin', async () => {
    const { grant } = await grantOn({}, { issuer: 'https://id.example/' });
    expect(grant.issuerFor('https://a.example')).toBe('https://id.example');
  });

  it('describes both endpoints, each authentication method once, and the DPoP algorithms', async () => {
    const { grant } = await grantOn();
    expect(grant.metadata('https://a.example/', 'qr-login')).toStrictEqual({
      issuer: 'https://a.example',
      device_authorization_endpoint: 'https://a.example/qr-login/device_authorization',
      token_endpoint: 'https://a.example/qr-login/token',
      grant_types_supported: ['urn:ietf:params:oauth:grant-type:device_code'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_post'],
      response_types_supported: [],
      dpop_signing_alg_values_supported: ['ES256'],
    });
  });
});

describe('QrLoginDeviceGrantService.authorize', () => {
  it('answers a device code, a user code, the verification URIs, the lifetime and the interval', async () => {
    const { grant } = await grantOn();
    const answer = await grant.authorize(request({ client_id: 'tv' }));
    expect(answer.device_code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(answer.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(answer).toStrictEqual({
      device_code: answer.device_code,
      user_code: answer.user_code,
      verification_uri: `${ORIGIN}/device`,
      verification_uri_complete: `${ORIGIN}/device?user_code=${answer.user_code}`,
      expires_in: 120,
      interval: 5,
    });
  });

  it('adds the user code to a verification URI that has a query already with &', async () => {
    const { grant } = await grantOn({}, { verificationUri: 'https://phone.example/link?lang=en' });
    const answer = await grant.authorize(request({ client_id: 'tv' }));
    expect(answer.verification_uri).toBe('https://phone.example/link?lang=en');
    expect(answer.verification_uri_complete).toBe(`https://phone.example/link?lang=en&user_code=${answer.user_code}`);
  });

  it("stores a device flow bound to the client, with the client and scope in its context, found by the device code's hash", async () => {
    const { k, grant } = await grantOn();
    const answer = await grant.authorize(request({ client_id: 'tv', scope: 'profile email' }));
    const qrcodeId = await k.kernel.resolveAlias('device-code', hashOf(answer.device_code));
    expect(qrcodeId).toEqual(expect.any(String));
    const info = await k.kernel.inspect(qrcodeId!);
    // The kernel adds that a device flow is scanned by its user code only.
    expect(info.binding).toStrictEqual({
      reveal: 'creator',
      redeem: 'creator',
      client: 'device:tv',
      via: 'device',
      scan: 'user-code',
    });
    expect(info.context).toStrictEqual({ deviceGrant: { clientId: 'tv', scope: 'profile email' } });
    expect(info.requester).toMatchObject({ ip: '203.0.113.7', userAgent: 'TV/1.0' });
    // A device flow: the phone reaches it by its user code, and is told which client asks.
    const scanned = await k.kernel.scanByUserCode(answer.user_code, alice, {}, { entry: 'typed' });
    expect(scanned).toMatchObject({ qrcodeId, flow: 'device', client: { id: 'tv', name: 'Living-room TV' } });
  });

  it('leaves the scope out of the context when none is asked', async () => {
    const { k, grant } = await grantOn();
    const answer = await grant.authorize(request({ client_id: 'radio' }));
    const info = await k.kernel.inspect((await k.kernel.resolveAlias('device-code', hashOf(answer.device_code)))!);
    expect(info.context).toStrictEqual({ deviceGrant: { clientId: 'radio' } });
  });

  it('takes a scope of 1000 characters and refuses one of 1001 as invalid_request', async () => {
    const { grant } = await grantOn();
    await expect(grant.authorize(request({ client_id: 'tv', scope: 's'.repeat(1000) }))).resolves.toBeDefined();
    expect(await refusal(grant.authorize(request({ client_id: 'tv', scope: 's'.repeat(1001) })))).toBe(
      '400 invalid_request: "scope" is longer than 1000 characters.',
    );
  });

  it('refuses an unknown client, and a confidential one without its secret, as invalid_client', async () => {
    const { grant } = await grantOn();
    const invalidClient = expect.stringMatching(/^401 invalid_client: Client authentication failed/);
    expect(await refusal(grant.authorize(request({ client_id: 'nobody' })))).toEqual(invalidClient);
    expect(await refusal(grant.authorize(request({ client_id: 'box' })))).toEqual(invalidClient);
    await expect(grant.authorize(request({ client_id: 'box', client_secret: 'box-secret' }))).resolves.toMatchObject({
      interval: 5,
    });
  });

  it('keeps the alias of the device code until the code, a ticket and one more minute have passed', async () => {
    const store = new RecordingMemoryStore();
    const { k, grant } = await grantOn({ store, qrCodeTtl: 120, ticketTtl: 30 });
    const startedAt = k.clock.now();
    const answer = await grant.authorize(request({ client_id: 'tv' }));
    const mine = store.aliasCalls.filter((a) => a.alias.startsWith('device-code:'));
    expect(mine).toStrictEqual([
      {
        alias: `device-code:${hashOf(answer.device_code)}`,
        id: expect.any(String),
        // (120 s + 1 s) of the code, 30 s of a ticket, 60 s of grace.
        expiresAt: startedAt + 121_000 + 30_000 + 60_000,
        taken: true,
      },
    ]);
  });

  it('stops with a message naming the store when it refuses a fresh alias', async () => {
    const store = new RecordingMemoryStore();
    const { grant } = await grantOn({ store });
    store.refuseAliases = true;
    await expect(grant.authorize(request({ client_id: 'tv' }))).rejects.toThrow(
      'The store refused a fresh device-code alias; its setAlias must answer true for an unused alias.',
    );
  });

  it('answers temporarily_unavailable with Retry-After when the store holds no more codes', async () => {
    const { grant } = await grantOn({ store: new RecordingMemoryStore({ maxCodes: 1 }) });
    await grant.authorize(request({ client_id: 'tv' }));
    expect(await refusal(grant.authorize(request({ client_id: 'tv' })))).toMatch(
      /^503 temporarily_unavailable: The login store cannot be reached right now; retry shortly\. \[\d+\]$/,
    );
  });

  it("takes the Retry-After of a full store from the store's own estimate, in whole seconds rounded up", async () => {
    // A slot frees in 6.5 s: the kernel says 7 s, and the device is told 7 s too.
    const { grant } = await grantOn({ store: new FullStore(6_500) });
    expect(await refusal(grant.authorize(request({ client_id: 'tv' })))).toBe(
      '503 temporarily_unavailable: The login store cannot be reached right now; retry shortly. [7]',
    );
  });
});

describe('QrLoginDeviceGrantService.token: the request', () => {
  it('refuses a missing or other grant type, a missing device code, and one of the wrong shape', async () => {
    const { grant } = await grantOn();
    const { device_code: code } = await grant.authorize(request({ client_id: 'tv' }));
    expect(await refusal(grant.token(request({ client_id: 'tv', device_code: code })))).toBe(
      '400 invalid_request: "grant_type" is required: urn:ietf:params:oauth:grant-type:device_code.',
    );
    expect(await refusal(grant.token(request({ client_id: 'tv', grant_type: 'password', device_code: code })))).toBe(
      '400 unsupported_grant_type: This token endpoint serves only grant_type=urn:ietf:params:oauth:grant-type:device_code; got "password".',
    );
    // A long one is quoted cut to 120 characters, its opening quote included.
    const long = 'x'.repeat(300);
    expect(await refusal(grant.token(request({ client_id: 'tv', grant_type: long, device_code: code })))).toBe(
      `400 unsupported_grant_type: This token endpoint serves only grant_type=urn:ietf:params:oauth:grant-type:device_code; got "${'x'.repeat(119)}.`,
    );
    expect(await refusal(grant.token(request({ client_id: 'tv', grant_type: DEVICE_CODE_GRANT_TYPE })))).toBe(
      '400 invalid_request: "device_code" is required: the one the device authorization answered.',
    );
    const notIssued = '400 invalid_grant: This device_code was not issued here.';
    for (const shape of [code.slice(1), `${code}A`, `${code.slice(1)}+`, `${code.slice(1)}=`]) {
      expect(await refusal(grant.token(request(tokenBody(shape))))).toBe(notIssued);
    }
  });

  it('answers an unknown device code, and one polled by another client, like a wrong one', async () => {
    const { grant } = await grantOn();
    const { device_code: code } = await grant.authorize(request({ client_id: 'tv' }));
    expect(await refusal(grant.token(request(tokenBody('A'.repeat(43)))))).toBe(NOT_VALID);
    expect(await refusal(grant.token(request(tokenBody(code, 'radio'))))).toBe(NOT_VALID);
    expect(await refusal(grant.token(request(tokenBody(code, 'nobody'))))).toMatch(/^401 invalid_client: /);
  });

  it('answers an unknown device code as invalid_grant before it reads any DPoP proof', async () => {
    const { grant } = await grantOn();
    const dpop = { proof: 'not-a-proof', htu: `${ORIGIN}/qr-login/token` };
    expect(await refusal(grant.token(request(tokenBody('A'.repeat(43)), { dpop })))).toBe(NOT_VALID);
  });
});

describe('QrLoginDeviceGrantService.token: polling', () => {
  it('answers authorization_pending to polls the interval apart, pending and scanned alike', async () => {
    const { k, grant } = await grantOn();
    const { device_code: code, user_code: userCode } = await grant.authorize(request({ client_id: 'tv' }));
    expect(await refusal(grant.token(request(tokenBody(code))))).toBe(PENDING);
    k.clock.advance(INTERVAL_MS);
    expect(await refusal(grant.token(request(tokenBody(code))))).toBe(PENDING);
    await k.kernel.scanByUserCode(userCode, alice, {}, { entry: 'typed' });
    k.clock.advance(INTERVAL_MS);
    expect(await refusal(grant.token(request(tokenBody(code))))).toBe(PENDING);
  });

  it('answers slow_down to a poll one millisecond early, and the grown interval holds from then on', async () => {
    const { k, grant } = await grantOn();
    const { device_code: code } = await grant.authorize(request({ client_id: 'tv' }));
    const poll = () => refusal(grant.token(request(tokenBody(code))));
    expect(await poll()).toBe(PENDING);
    k.clock.advance(INTERVAL_MS - 1);
    expect(await poll()).toBe(slowDown(10));
    // The interval is 10 s now, counted from the early poll.
    k.clock.advance(10_000 - 1);
    expect(await poll()).toBe(slowDown(15));
    k.clock.advance(15_000);
    expect(await poll()).toBe(PENDING);
    k.clock.advance(15_000);
    expect(await poll()).toBe(PENDING);
  });

  it('answers access_denied once the user cancelled on the phone', async () => {
    const { k, grant } = await grantOn();
    const { device_code: code, user_code: userCode } = await grant.authorize(request({ client_id: 'tv' }));
    await k.kernel.scanByUserCode(userCode, alice, {}, { entry: 'typed' });
    await k.kernel.actByUserCode(userCode, 'CANCEL', alice);
    expect(await refusal(grant.token(request(tokenBody(code))))).toBe(DENIED);
  });

  it('answers pending until the last millisecond of the code, and expired_token from its end on', async () => {
    const { k, grant } = await grantOn({ qrCodeTtl: 120 });
    const first = await grant.authorize(request({ client_id: 'tv' }));
    const second = await grant.authorize(request({ client_id: 'tv' }));
    const { expiresAt } = await k.kernel.inspect(
      (await k.kernel.resolveAlias('device-code', hashOf(second.device_code)))!,
    );
    // The kernel ends a code on the whole second at or after 120 s.
    expect(expiresAt - k.clock.now()).toBe(120_750);
    k.clock.advance(expiresAt - 1 - k.clock.now());
    expect(await refusal(grant.token(request(tokenBody(first.device_code))))).toBe(PENDING);
    k.clock.advance(1);
    expect(await refusal(grant.token(request(tokenBody(second.device_code))))).toBe(EXPIRED);
    // Late polls of an ended code are never paced: expired_token again, not slow_down.
    expect(await refusal(grant.token(request(tokenBody(second.device_code))))).toBe(EXPIRED);
  });
});

describe('QrLoginDeviceGrantService.token: redemption', () => {
  it("answers the app's token set once the user confirmed, then refuses the device code", async () => {
    const { k, grant } = await grantOn();
    const { device_code: code, user_code: userCode } = await grant.authorize(request({ client_id: 'tv' }));
    await confirmAs(k, userCode);
    // Only the standard fields: the user object the hook returned stays on the server.
    expect(await grant.token(request(tokenBody(code)))).toStrictEqual({
      access_token: 'token-for-alice',
      token_type: 'Bearer',
      expires_in: 600,
    });
    k.clock.advance(INTERVAL_MS);
    expect(await refusal(grant.token(request(tokenBody(code))))).toBe(REDEEMED);
  });

  it('redeems until the last millisecond of the ticket, and refuses from its end on', async () => {
    const { k, grant } = await grantOn({ ticketTtl: 30 });
    const first = await grant.authorize(request({ client_id: 'tv' }));
    const second = await grant.authorize(request({ client_id: 'tv' }));
    await confirmAs(k, first.user_code);
    await confirmAs(k, second.user_code);
    k.clock.advance(30_000 - 1);
    await expect(grant.token(request(tokenBody(first.device_code)))).resolves.toMatchObject({
      access_token: 'token-for-alice',
    });
    k.clock.advance(1);
    expect(await refusal(grant.token(request(tokenBody(second.device_code))))).toBe(REDEEMED);
  });

  it('answers access_denied when the app refuses to load the user', async () => {
    const { k, grant } = await grantOn();
    const { device_code: code, user_code: userCode } = await grant.authorize(request({ client_id: 'tv' }));
    await confirmAs(k, userCode, { id: 'mallory' });
    expect(await refusal(grant.token(request(tokenBody(code))))).toBe(DENIED);
  });

  it('counts the expiry of a JWT access token on the kernel clock', async () => {
    const exp = Math.floor(Date.now() / 1000) + 900;
    const jwt = `e30.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`;
    const { k, grant } = await grantOn({ issueTokenSet: () => ({ accessToken: jwt }) });
    const { device_code: code, user_code: userCode } = await grant.authorize(request({ client_id: 'tv' }));
    await confirmAs(k, userCode);
    const answer = await grant.token(request(tokenBody(code)));
    expect(answer.expires_in).toBe(Math.floor(exp - k.clock.now() / 1000));
  });
});

describe('QrLoginDeviceGrantService: DPoP', () => {
  const TOKEN_URL = `${ORIGIN}/qr-login/token`;

  it('binds a flow to the key dpop_jkt names: no proof is refused, a proof by the key gets a DPoP token', async () => {
    const key = await newDpopKey();
    const { k, grant } = await grantOn();
    const { device_code: code, user_code: userCode } = await grant.authorize(
      request({ client_id: 'tv', dpop_jkt: key.jkt }),
    );
    await confirmAs(k, userCode);
    expect(await refusal(grant.token(request(tokenBody(code))))).toMatch(/^400 invalid_dpop_proof: \S/);
    const other = await newDpopKey();
    k.clock.advance(INTERVAL_MS);
    const wrong = { proof: await other.proof('POST', TOKEN_URL, { at: k.clock.now() }), htu: TOKEN_URL };
    expect(await refusal(grant.token(request(tokenBody(code), { dpop: wrong })))).toMatch(
      /^400 invalid_dpop_proof: \S/,
    );
    k.clock.advance(INTERVAL_MS);
    const right = { proof: await key.proof('POST', TOKEN_URL, { at: k.clock.now() }), htu: TOKEN_URL };
    expect(await grant.token(request(tokenBody(code), { dpop: right }))).toStrictEqual({
      access_token: 'token-for-alice',
      token_type: 'DPoP',
      expires_in: 600,
    });
  });

  it('binds a flow to the key of the proof sent with the device authorization', async () => {
    const key = await newDpopKey();
    const { k, grant } = await grantOn();
    const dpopAt = (url: string) => key.proof('POST', url, { at: k.clock.now() });
    const started = await grant.authorize(
      request(
        { client_id: 'tv' },
        {
          dpop: {
            proof: await dpopAt(`${ORIGIN}/qr-login/device_authorization`),
            htu: `${ORIGIN}/qr-login/device_authorization`,
          },
        },
      ),
    );
    await confirmAs(k, started.user_code);
    expect(await refusal(grant.token(request(tokenBody(started.device_code))))).toMatch(/^400 invalid_dpop_proof: \S/);
    k.clock.advance(INTERVAL_MS);
    const dpop = { proof: await dpopAt(TOKEN_URL), htu: TOKEN_URL };
    expect((await grant.token(request(tokenBody(started.device_code), { dpop }))).token_type).toBe('DPoP');
  });

  it('leaves a flow bound to no key a Bearer flow, with or without a proof', async () => {
    const key = await newDpopKey();
    const { k, grant } = await grantOn();
    const started = await grant.authorize(request({ client_id: 'tv' }));
    await confirmAs(k, started.user_code);
    const dpop = { proof: await key.proof('POST', TOKEN_URL, { at: k.clock.now() }), htu: TOKEN_URL };
    expect((await grant.token(request(tokenBody(started.device_code), { dpop }))).token_type).toBe('Bearer');
  });
});

describe("QrLoginDeviceGrantService.token: the kernel's and the app's refusals", () => {
  it('answers a store that cannot be reached as temporarily_unavailable, retry in 5 s', async () => {
    const store = new UnreachableStore();
    const { grant } = await grantOn({ store });
    const { device_code: code } = await grant.authorize(request({ client_id: 'tv' }));
    store.down = true;
    expect(await refusal(grant.token(request(tokenBody(code))))).toBe(
      '503 temporarily_unavailable: The login store cannot be reached right now; retry shortly. [5]',
    );
  });

  it("answers each kernel refusal an app's hook throws in the device grant's terms", async () => {
    let thrown: unknown;
    const { k, grant } = await grantOn({
      issueTokenSet: () => {
        throw thrown;
      },
    });
    const refusalOf = async (error: unknown): Promise<string> => {
      thrown = error;
      const { device_code: code, user_code: userCode } = await grant.authorize(request({ client_id: 'tv' }));
      await confirmAs(k, userCode);
      return refusal(grant.token(request(tokenBody(code))));
    };
    const kernelError = (code: QrLoginErrorCode, retryAfterSeconds?: number) =>
      new QrLoginError(code, `refused as ${code}`, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
    const table: Array<[QrLoginError, string]> = [
      [kernelError('QR_EXPIRED'), EXPIRED],
      [kernelError('QR_TICKET_EXPIRED'), EXPIRED],
      [kernelError('QR_USER_REFUSED'), DENIED],
      [kernelError('QR_RISK_DENIED'), DENIED],
      [kernelError('QR_RATE_LIMITED', 9), '429 rate_limited: Too many requests; try again in 9 s. [9]'],
      [kernelError('QR_RATE_LIMITED'), '429 rate_limited: Too many requests; try again in 1 s. [1]'],
      [kernelError('QR_DPOP_PROOF_REQUIRED'), '400 invalid_dpop_proof: refused as QR_DPOP_PROOF_REQUIRED'],
      [kernelError('QR_DPOP_KEY_MISMATCH'), '400 invalid_dpop_proof: refused as QR_DPOP_KEY_MISMATCH'],
      [
        kernelError('QR_STORE_UNAVAILABLE', 3),
        '503 temporarily_unavailable: The login store cannot be reached right now; retry shortly. [3]',
      ],
      [
        kernelError('QR_STORE_FULL'),
        '503 temporarily_unavailable: The login store cannot be reached right now; retry shortly. [5]',
      ],
      [kernelError('QR_VALIDATION_FAILED'), '400 invalid_request: refused as QR_VALIDATION_FAILED'],
      [kernelError('QR_PAYLOAD_TOO_LARGE'), '400 invalid_request: refused as QR_PAYLOAD_TOO_LARGE'],
      [kernelError('QR_ORIGIN_NOT_ALLOWED'), '400 invalid_request: refused as QR_ORIGIN_NOT_ALLOWED'],
      [kernelError('QR_NOT_FOUND'), NOT_VALID],
    ];
    const answers: string[] = [];
    for (const [error] of table) answers.push(await refusalOf(error));
    expect(answers).toStrictEqual(table.map(([, answer]) => answer));
  });

  it('lets an error that is no kernel refusal through as it is', async () => {
    const broken = new Error('the token signer is down');
    const { k, grant } = await grantOn({
      issueTokenSet: () => {
        throw broken;
      },
    });
    const { device_code: code, user_code: userCode } = await grant.authorize(request({ client_id: 'tv' }));
    await confirmAs(k, userCode);
    await expect(grant.token(request(tokenBody(code)))).rejects.toBe(broken);
  });
});
