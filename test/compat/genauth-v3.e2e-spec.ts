import { AuthenticationClient } from 'authing-node-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QrLoginContext, QrLoginModuleOptions } from '../../lib';
import type { QrLoginGenAuthModuleOptions } from '../../lib/plugins/genauth';
import { ADAPTERS, createTestApp, type AdapterName } from '../app/test-app';

/*
 * GenAuth's own Node SDK (authing-node-sdk), unchanged, against the fixture
 * app with the V3 compatible routes on: the SDK is the client, so these
 * tests fail whenever a path, header, field or envelope differs from what it
 * sends and reads.
 */

const APP_ID = 'qr-web-app';
const APP_SECRET = 'correct-horse-battery-staple';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type SdkOptions = ConstructorParameters<typeof AuthenticationClient>[0];

/** A token set hook in the shape GenAuth clients expect; the access token names the user. */
const issueTokenSet: QrLoginModuleOptions['issueTokenSet'] = (user: any) => ({
  access_token: `session-for-${user.id}`,
  id_token: `id-for-${user.id}`,
  expires_in: 3600,
  scope: 'openid profile',
});

interface RunningApp {
  url: string;
  authorized: QrLoginContext[];
  close(): Promise<void>;
}

async function boot(
  adapter: AdapterName,
  genauth: QrLoginGenAuthModuleOptions,
  extra: Partial<QrLoginModuleOptions> = {},
): Promise<RunningApp> {
  const authorized: QrLoginContext[] = [];
  const { app, url } = await createTestApp({
    adapter,
    genauth,
    options: { issueTokenSet, onAuthorized: (context) => void authorized.push(context), ...extra },
  });
  return { url, authorized, close: () => app.close() };
}

function sdk(url: string, options: Partial<SdkOptions> = {}): AuthenticationClient {
  return new AuthenticationClient({
    appId: APP_ID,
    appHost: url,
    tokenEndPointAuthMethod: 'none',
    timeout: 5000,
    ...options,
  });
}

/** The phone: the SDK with the app user's token set, as a GenAuth mobile app would do after its login. */
function phone(url: string, token: string): AuthenticationClient {
  const client = sdk(url);
  client.setAccessToken(token);
  return client;
}

function expectFailure(envelope: any, statusCode: number, code?: string): void {
  expect(envelope).toMatchObject({ statusCode, message: expect.any(String), requestId: expect.stringMatching(UUID) });
  expect(envelope.message.length).toBeGreaterThan(10);
  expect(envelope).not.toHaveProperty('data');
  if (code) expect(envelope.code).toBe(code);
}

/** Raw HTTP, to see the status line the SDK hides. */
async function raw(url: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url + path, {
    ...init,
    headers: { 'content-type': 'application/json', 'x-authing-app-id': APP_ID, ...(init.headers ?? {}) },
  });
  return { status: response.status, body: await response.json() };
}

/** Creates a code with `web` and drives it to AUTHORIZED from alice's phone with the given app-side method. */
async function authorizeAsAlice(
  web: AuthenticationClient,
  url: string,
  via: 'changeQrCodeStatus' | 'setQrCodeStatus' = 'changeQrCodeStatus',
): Promise<{ qrcodeId: string; ticket: string }> {
  const created = await web.geneQrCode({ type: 'MOBILE_APP' as any });
  expect(created.statusCode).toBe(200);
  const qrcodeId = created.data.qrcodeId;
  const alice = phone(url, 'token-alice');
  expect((await alice[via]({ qrcodeId, action: 'SCAN' as any })).statusCode).toBe(200);
  expect((await alice[via]({ qrcodeId, action: 'CONFIRM' as any })).statusCode).toBe(200);
  const status = await web.getQrCodeStatus({ qrcodeId });
  expect(status.data.status).toBe('AUTHORIZED');
  return { qrcodeId, ticket: status.data.ticket! };
}

describe.each(ADAPTERS)('GenAuth V3 compatible routes with authing-node-sdk (%s)', (adapter) => {
  describe("tokenEndPointAuthMethod 'none'", () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await boot(adapter, { tokenEndpointAuthMethod: 'none', appId: APP_ID });
    });
    afterAll(() => running.close());

    it('geneQrCode → PENDING → SCAN → SCANNED → CONFIRM → AUTHORIZED → token set for the confirming user, once', async () => {
      const { url } = running;
      const web = sdk(url);
      const created = await web.geneQrCode({ type: 'MOBILE_APP' as any, customData: { school: 'hust' } });
      expect(created.statusCode).toBe(200);
      expect(Object.keys(created.data).sort()).toEqual(['qrcodeId', 'url']);
      expect(created.data.url).toMatch(/^data:image\/svg\+xml;base64,/);
      const { qrcodeId } = created.data;

      for (const read of [web.checkQrCodeStatus.bind(web), web.getQrCodeStatus.bind(web)]) {
        const pending = await read({ qrcodeId });
        expect(pending).toEqual({ statusCode: 200, message: expect.any(String), data: { status: 'PENDING' } });
      }

      const alice = phone(url, 'token-alice');
      const scan = await alice.changeQrCodeStatus({ qrcodeId, action: 'SCAN' as any });
      // change-qrcode-status answers GenAuth's CommonResponseDto: no data.
      expect(scan).toEqual({ statusCode: 200, message: expect.any(String) });

      const scanned = await web.checkQrCodeStatus({ qrcodeId });
      expect(scanned.data).toEqual({
        status: 'SCANNED',
        briefUserInfo: { displayName: 'Alice', photo: 'https://example.test/alice.png' },
      });

      expect((await alice.changeQrCodeStatus({ qrcodeId, action: 'CONFIRM' as any })).statusCode).toBe(200);
      const authorized = await web.getQrCodeStatus({ qrcodeId });
      expect(authorized.data).toMatchObject({ status: 'AUTHORIZED', briefUserInfo: { displayName: 'Alice' } });
      expect(authorized.data.ticket).toEqual(expect.any(String));
      expect(running.authorized.find((c) => c.qrcodeId === qrcodeId)?.customData).toEqual({ school: 'hust' });

      const exchanged = await web.exchangeTokenSetWithQrCodeTicket({ ticket: authorized.data.ticket! });
      expect(exchanged).toEqual({
        statusCode: 200,
        message: expect.any(String),
        data: {
          access_token: 'session-for-u-alice',
          id_token: 'id-for-u-alice',
          token_type: 'Bearer',
          expire_in: 3600,
          scope: 'openid profile',
        },
      });

      const again = await web.exchangeTokenSetWithQrCodeTicket({ ticket: authorized.data.ticket! });
      expectFailure(again, 401, 'QR_TICKET_USED');
      // A redeemed ticket is no longer shown.
      expect((await web.getQrCodeStatus({ qrcodeId })).data).not.toHaveProperty('ticket');
    });

    it('setQrCodeStatus answers { success: true } and leads to the same AUTHORIZED code and token set', async () => {
      const web = sdk(running.url);
      const alice = phone(running.url, 'token-alice');
      const { qrcodeId } = (await web.geneQrCode({ type: 'MOBILE_APP' as any })).data;
      const scan = await alice.setQrCodeStatus({ qrcodeId, action: 'SCAN' as any });
      expect(scan).toEqual({ statusCode: 200, message: expect.any(String), data: { success: true } });
      expect((await web.getQrCodeStatus({ qrcodeId })).data.status).toBe('SCANNED');
      expect((await alice.setQrCodeStatus({ qrcodeId, action: 'CONFIRM' as any })).data).toEqual({ success: true });
      const { ticket } = (await web.getQrCodeStatus({ qrcodeId })).data;
      const exchanged = await web.exchangeTokenSetWithQrCodeTicket({ ticket: ticket! });
      expect(exchanged.data.access_token).toBe('session-for-u-alice');
    });

    it('CANCEL after SCAN ends in CANCELLED, with no ticket, and nothing follows', async () => {
      const web = sdk(running.url);
      const bob = phone(running.url, 'token-bob');
      const { qrcodeId } = (await web.geneQrCode({ type: 'MOBILE_APP' as any })).data;
      await bob.setQrCodeStatus({ qrcodeId, action: 'SCAN' as any });
      // A user without a photo still gets GenAuth's required photo field.
      expect((await web.getQrCodeStatus({ qrcodeId })).data.briefUserInfo).toEqual({ displayName: 'Bob', photo: '' });
      expect((await bob.setQrCodeStatus({ qrcodeId, action: 'CANCEL' as any })).data).toEqual({ success: true });
      const cancelled = await web.getQrCodeStatus({ qrcodeId });
      expect(cancelled.data.status).toBe('CANCELLED');
      expect(cancelled.data).not.toHaveProperty('ticket');
      expectFailure(await bob.setQrCodeStatus({ qrcodeId, action: 'CONFIRM' as any }), 409, 'QR_WRONG_STATE');
    });

    it('answers bad input with GenAuth envelopes and HTTP 200, never a 5xx', async () => {
      const { url } = running;
      const web = sdk(url);
      const alice = phone(url, 'token-alice');
      const wellFormedUnknown = 'AAAAAAAAAAAAAAAAAAAAAP____8';

      expectFailure(await web.getQrCodeStatus({ qrcodeId: 'no-such-code' }), 404, 'QR_NOT_FOUND');
      expectFailure(await web.checkQrCodeStatus({ qrcodeId: wellFormedUnknown }), 404, 'QR_NOT_FOUND');
      expectFailure(await web.geneQrCode({} as any), 400, 'QR_VALIDATION_FAILED');
      expect((await web.geneQrCode({} as any)).message).toContain('"type" is required');
      expectFailure(
        await web.geneQrCode({ type: 'MOBILE_APP' as any, customData: 'text' as any }),
        400,
        'QR_VALIDATION_FAILED',
      );
      expectFailure(await web.exchangeTokenSetWithQrCodeTicket({} as any), 400, 'QR_VALIDATION_FAILED');
      expectFailure(await web.exchangeTokenSetWithQrCodeTicket({ ticket: 'made-up' }), 401, 'QR_TICKET_INVALID');

      const { qrcodeId } = (await web.geneQrCode({ type: 'MOBILE_APP' as any })).data;
      const badAction = await alice.changeQrCodeStatus({ qrcodeId, action: 'LOGIN' as any });
      expectFailure(badAction, 400, 'QR_VALIDATION_FAILED');
      expect(badAction.message).toContain('"action"');
      expectFailure(await alice.changeQrCodeStatus({ qrcodeId, action: 'CONFIRM' as any }), 409, 'QR_WRONG_STATE');
      expectFailure(
        await sdk(url).changeQrCodeStatus({ qrcodeId, action: 'SCAN' as any }),
        401,
        'QR_APP_USER_UNAUTHENTICATED',
      );
      expectFailure(await phone(url, 'token-mallory').setQrCodeStatus({ qrcodeId, action: 'SCAN' as any }), 401);
      await alice.changeQrCodeStatus({ qrcodeId, action: 'SCAN' as any });
      expectFailure(
        await phone(url, 'token-bob').changeQrCodeStatus({ qrcodeId, action: 'CONFIRM' as any }),
        403,
        'QR_NOT_SCANNER',
      );

      // The status line itself: 200 with the failure in the body, as GenAuth answers.
      for (const [path, init] of [
        ['/api/v3/get-qrcode-status?qrcodeId=no-such-code', {}],
        ['/api/v3/check-qrcode-status', {}],
        ['/api/v3/gene-qrcode', { method: 'POST', body: '{}' }],
        [
          '/api/v3/change-qrcode-status',
          {
            method: 'POST',
            body: JSON.stringify({ qrcodeId, action: 'JUMP' }),
            headers: { authorization: 'token-alice' },
          },
        ],
        ['/api/v3/exchange-tokenset-with-qrcode-ticket', { method: 'POST', body: JSON.stringify({ ticket: 42 }) }],
      ] as const) {
        const answer = await raw(url, path, init as RequestInit);
        expect(answer.status, path).toBe(200);
        expect(answer.body.statusCode, path).toBeGreaterThanOrEqual(400);
        expect(answer.body.statusCode, path).toBeLessThan(500);
        expect(answer.body.requestId, path).toMatch(UUID);
      }
    });

    it('takes the app user token with or without "Bearer"', async () => {
      const { url } = running;
      const { qrcodeId } = (await sdk(url).geneQrCode({ type: 'MOBILE_APP' as any })).data;
      const body = (action: string) => JSON.stringify({ qrcodeId, action });
      const scan = await raw(url, '/api/v3/set-qrcode-status', {
        method: 'POST',
        body: body('SCAN'),
        headers: { authorization: 'Bearer token-alice' },
      });
      expect(scan.body).toEqual({ statusCode: 200, message: expect.any(String), data: { success: true } });
      const confirm = await raw(url, '/api/v3/set-qrcode-status', {
        method: 'POST',
        body: body('CONFIRM'),
        headers: { authorization: 'token-alice' },
      });
      expect(confirm.body.data).toEqual({ success: true });
      expect((await sdk(url).getQrCodeStatus({ qrcodeId })).data.status).toBe('AUTHORIZED');
    });

    it('refuses an SDK initialised with another appId (appId)', async () => {
      const other = sdk(running.url, { appId: 'someone-elses-app' });
      expectFailure(await other.geneQrCode({ type: 'MOBILE_APP' as any }), 403, 'QR_APP_ID_MISMATCH');
      const none = await raw(running.url, '/api/v3/gene-qrcode', {
        method: 'POST',
        body: JSON.stringify({ type: 'MOBILE_APP' }),
        headers: { 'x-authing-app-id': '' },
      });
      expect(none.status).toBe(200);
      expectFailure(none.body, 403, 'QR_APP_ID_MISMATCH');
      // No header at all is refused the same way (not taken as "no app named, so any app").
      const absent = await fetch(`${running.url}/api/v3/gene-qrcode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'MOBILE_APP' }),
      });
      expect(absent.status).toBe(200);
      expectFailure(await absent.json(), 403, 'QR_APP_ID_MISMATCH');
    });

    it('serves the same codes as the native routes (one service, one store)', async () => {
      const { url } = running;
      const native = await fetch(`${url}/qr-login/qrcodes`, { method: 'POST' });
      expect(native.status).toBe(201);
      const { qrcodeId } = (await native.json()) as { qrcodeId: string };
      expect((await sdk(url).getQrCodeStatus({ qrcodeId })).data.status).toBe('PENDING');
      await phone(url, 'token-alice').changeQrCodeStatus({ qrcodeId, action: 'SCAN' as any });
      const nativeStatus = (await (await fetch(`${url}/qr-login/qrcodes/${qrcodeId}`)).json()) as { status: string };
      expect(nativeStatus.status).toBe('SCANNED');
    });
  });

  describe("tokenEndPointAuthMethod 'client_secret_basic'", () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await boot(adapter, {
        tokenEndpointAuthMethod: 'client_secret_basic',
        clientId: APP_ID,
        clientSecret: APP_SECRET,
      });
    });
    afterAll(() => running.close());

    it('exchanges with the right credentials in the Basic header, and refuses wrong ones without using up the ticket', async () => {
      const { url } = running;
      const web = sdk(url, { tokenEndPointAuthMethod: 'client_secret_basic', appSecret: APP_SECRET });
      const { ticket } = await authorizeAsAlice(web, url);

      const wrong = sdk(url, { tokenEndPointAuthMethod: 'client_secret_basic', appSecret: 'wrong-secret' });
      expectFailure(await wrong.exchangeTokenSetWithQrCodeTicket({ ticket }), 401, 'QR_CLIENT_UNAUTHENTICATED');
      const otherId = sdk(url, {
        appId: 'other-app',
        tokenEndPointAuthMethod: 'client_secret_basic',
        appSecret: APP_SECRET,
      });
      expectFailure(await otherId.exchangeTokenSetWithQrCodeTicket({ ticket }), 401, 'QR_CLIENT_UNAUTHENTICATED');
      // A public client sends no credentials at all.
      expectFailure(await sdk(url).exchangeTokenSetWithQrCodeTicket({ ticket }), 401, 'QR_CLIENT_UNAUTHENTICATED');

      const exchanged = await web.exchangeTokenSetWithQrCodeTicket({ ticket });
      expect(exchanged.statusCode).toBe(200);
      expect(exchanged.data.access_token).toBe('session-for-u-alice');
      expectFailure(await web.exchangeTokenSetWithQrCodeTicket({ ticket }), 401, 'QR_TICKET_USED');
    });

    it('binds its codes to the client: the native /login route, which presents no client, cannot redeem the ticket', async () => {
      const { url } = running;
      const web = sdk(url, { tokenEndPointAuthMethod: 'client_secret_basic', appSecret: APP_SECRET });
      const { ticket } = await authorizeAsAlice(web, url);
      const native = await fetch(`${url}/qr-login/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ticket }),
      });
      expect(native.status).toBe(401);
      expect(((await native.json()) as { code: string }).code).toBe('QR_TICKET_INVALID');
      // The refusal did not use the ticket up: the bound client still redeems it.
      expect((await web.exchangeTokenSetWithQrCodeTicket({ ticket })).data.access_token).toBe('session-for-u-alice');
    });
  });

  describe("tokenEndPointAuthMethod 'client_secret_post'", () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await boot(adapter, {
        tokenEndpointAuthMethod: 'client_secret_post',
        clientId: APP_ID,
        clientSecret: APP_SECRET,
      });
    });
    afterAll(() => running.close());

    it('exchanges with client_id and client_secret in the body, and refuses wrong or missing ones', async () => {
      const { url } = running;
      const web = sdk(url, { tokenEndPointAuthMethod: 'client_secret_post', appSecret: APP_SECRET });
      const { ticket } = await authorizeAsAlice(web, url, 'setQrCodeStatus');

      const wrong = await web.exchangeTokenSetWithQrCodeTicket({
        ticket,
        client_id: APP_ID,
        client_secret: 'wrong-secret',
      });
      expectFailure(wrong, 401, 'QR_CLIENT_UNAUTHENTICATED');
      expect(wrong.message).toContain('client_secret');
      expectFailure(await web.exchangeTokenSetWithQrCodeTicket({ ticket }), 401, 'QR_CLIENT_UNAUTHENTICATED');
      // Basic credentials do not count when the app expects them in the body.
      const basic = sdk(url, { tokenEndPointAuthMethod: 'client_secret_basic', appSecret: APP_SECRET });
      expectFailure(await basic.exchangeTokenSetWithQrCodeTicket({ ticket }), 401, 'QR_CLIENT_UNAUTHENTICATED');

      const exchanged = await web.exchangeTokenSetWithQrCodeTicket({
        ticket,
        client_id: APP_ID,
        client_secret: APP_SECRET,
      });
      expect(exchanged.data).toMatchObject({
        access_token: 'session-for-u-alice',
        token_type: 'Bearer',
        expire_in: 3600,
      });
    });
  });

  describe('security options', () => {
    it('counts the compatible routes against the same rate limits as the native ones', async () => {
      const running = await boot(adapter, {}, { rateLimit: { create: { limit: 2, window: 60 } } });
      try {
        const web = sdk(running.url);
        expect((await web.geneQrCode({ type: 'MOBILE_APP' as any })).statusCode).toBe(200);
        expect((await fetch(`${running.url}/qr-login/qrcodes`, { method: 'POST' })).status).toBe(201);
        const limited = await web.geneQrCode({ type: 'MOBILE_APP' as any });
        expectFailure(limited, 429, 'QR_RATE_LIMITED');
      } finally {
        await running.close();
      }
    });

    it('with number matching on, CONFIRM through change-qrcode-status needs the number the native page shows', async () => {
      const running = await boot(adapter, {}, { numberMatching: true });
      try {
        const created = (await (await fetch(`${running.url}/qr-login/qrcodes`, { method: 'POST' })).json()) as {
          qrcodeId: string;
          matchCode: string;
        };
        expect(created.matchCode).toEqual(expect.any(String));
        const alice = phone(running.url, 'token-alice');
        const { qrcodeId } = created;
        await alice.changeQrCodeStatus({ qrcodeId, action: 'SCAN' as any });
        expectFailure(await alice.changeQrCodeStatus({ qrcodeId, action: 'CONFIRM' as any }), 400, 'QR_MATCH_REQUIRED');
        const confirm = await alice.changeQrCodeStatus({
          qrcodeId,
          action: 'CONFIRM' as any,
          matchCode: created.matchCode,
        } as any);
        expect(confirm.statusCode).toBe(200);
        expect((await sdk(running.url).getQrCodeStatus({ qrcodeId })).data.status).toBe('AUTHORIZED');
      } finally {
        await running.close();
      }
    });
    it('refuses CONFIRM through change-qrcode-status for a code marked for a passkey (the SDK cannot carry an assertion), leaving it SCANNED', async () => {
      const running = await boot(
        adapter,
        {},
        { approval: 'passkey', passkeys: { rpId: 'localhost', origins: 'http://localhost:1' } },
      );
      try {
        const web = sdk(running.url);
        const { qrcodeId } = (await web.geneQrCode({ type: 'MOBILE_APP' as any })).data;
        const alice = phone(running.url, 'token-alice');
        expect((await alice.changeQrCodeStatus({ qrcodeId, action: 'SCAN' as any })).statusCode).toBe(200);
        expectFailure(
          await alice.changeQrCodeStatus({ qrcodeId, action: 'CONFIRM' as any }),
          403,
          'QR_PASSKEY_REQUIRED',
        );
        expectFailure(await alice.setQrCodeStatus({ qrcodeId, action: 'CONFIRM' as any }), 403, 'QR_PASSKEY_REQUIRED');
        expect((await web.getQrCodeStatus({ qrcodeId })).data.status).toBe('SCANNED');
        expect(running.authorized).toEqual([]);
      } finally {
        await running.close();
      }
    });
  });

  describe('bindToCreator', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await boot(adapter, { bindToCreator: true });
    });
    afterAll(() => running.close());

    it('shows and redeems the ticket only with the creator cookie set by gene-qrcode', async () => {
      const { url } = running;
      const created = await fetch(`${url}/api/v3/gene-qrcode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'MOBILE_APP' }),
      });
      const setCookie = created.headers.get('set-cookie');
      expect(setCookie).toMatch(/^qr_login_secret_[A-Za-z0-9_-]+=[^;]+;.*HttpOnly/i);
      const cookie = setCookie!.split(';')[0];
      const { qrcodeId } = ((await created.json()) as { data: { qrcodeId: string } }).data;
      const alice = phone(url, 'token-alice');
      await alice.changeQrCodeStatus({ qrcodeId, action: 'SCAN' as any });
      await alice.changeQrCodeStatus({ qrcodeId, action: 'CONFIRM' as any });

      const stranger = await raw(url, `/api/v3/get-qrcode-status?qrcodeId=${qrcodeId}`);
      expect(stranger.body.data.status).toBe('AUTHORIZED');
      expect(stranger.body.data).not.toHaveProperty('ticket');
      const creator = await raw(url, `/api/v3/get-qrcode-status?qrcodeId=${qrcodeId}`, { headers: { cookie } });
      const ticket = creator.body.data.ticket as string;
      expect(ticket).toEqual(expect.any(String));

      const exchange = (headers: Record<string, string>) =>
        raw(url, '/api/v3/exchange-tokenset-with-qrcode-ticket', {
          method: 'POST',
          body: JSON.stringify({ ticket }),
          headers,
        });
      expectFailure((await exchange({})).body, 401, 'QR_CREATOR_SECRET_REQUIRED');
      expect((await exchange({ cookie })).body.data.access_token).toBe('session-for-u-alice');
    });
  });
});
