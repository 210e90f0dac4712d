import { HttpException, Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QrLoginService, type CreateQrCodeInput } from '../../plugin';
import { createTestApp, type TestAppOptions } from '../../../test/app/test-app';
import { closedAfterEach } from '../../../test/support/closed-after-each';
import { request } from '../../../test/support/http';
import type { QrLoginGenAuthForRootOptions } from './genauth.module-definition';

/*
 * The V3 compatible routes over real HTTP on one adapter, apps made inside
 * each test: every route once, its exact envelope (HTTP 200 with statusCode,
 * message, data), its caching header, and the failures it answers in the
 * envelope. The end-to-end suite drives the same routes with GenAuth's SDK.
 */

const keep = closedAfterEach<{ close(): Promise<unknown> }>();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function boot(genauth: QrLoginGenAuthForRootOptions = {}, options: TestAppOptions['options'] = {}) {
  const { app, url } = await createTestApp({
    adapter: 'express',
    genauth,
    options: { issueTokenSet: (user: any) => ({ access_token: `session-for-${user.id}`, expires_in: 60 }), ...options },
  });
  keep(app);
  const v3 = `${url}/api/v3`;
  const post = (path: string, json: unknown, headers: Record<string, string> = {}) =>
    request(`${v3}/${path}`, { json, headers });
  const get = (path: string, headers: Record<string, string> = {}) => request(`${v3}/${path}`, { headers });
  return { app, url, post, get };
}

type Booted = Awaited<ReturnType<typeof boot>>;

async function authorized(booted: Booted, via = 'change-qrcode-status') {
  const created = await booted.post('gene-qrcode', { type: 'MOBILE_APP' });
  const qrcodeId: string = created.body.data.qrcodeId;
  await booted.post(via, { qrcodeId, action: 'SCAN' }, { authorization: 'token-alice' });
  await booted.post(via, { qrcodeId, action: 'CONFIRM' }, { authorization: 'token-alice' });
  const status = await booted.get(`get-qrcode-status?qrcodeId=${qrcodeId}`);
  return { qrcodeId, ticket: status.body.data.ticket as string };
}

function expectFailure(answer: { status: number; headers: Headers; body: any }, statusCode: number, code?: string) {
  expect(answer.status).toBe(200);
  expect(answer.headers.get('cache-control')).toBe('no-store');
  expect(answer.body).toEqual({
    statusCode,
    message: expect.any(String),
    requestId: expect.stringMatching(UUID),
    ...(code === undefined ? {} : { code }),
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('GenAuth V3 routes', () => {
  it('gene-qrcode answers the id and image only, never cached', async () => {
    const { post } = await boot();
    const created = await post('gene-qrcode', { type: 'MOBILE_APP' });
    expect(created.status).toBe(200);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body).toEqual({
      statusCode: 200,
      message: 'Success',
      data: { qrcodeId: expect.any(String), url: expect.stringMatching(/^data:image\/svg\+xml;base64,/) },
    });
  });

  it('gene-qrcode hands a type handler exactly the fields sent, and answers its logo', async () => {
    const booted = await boot();
    const inputs: CreateQrCodeInput[] = [];
    booted.app.get(QrLoginService).registerTypeHandler({
      type: 'WECHAT_MINIPROGRAM',
      render: async ({ input }) => {
        inputs.push(input);
        return { url: 'https://example.test/code.png', payload: 'p', customLogoUrl: 'https://example.test/logo.png' };
      },
    });
    const full = await booted.post('gene-qrcode', {
      type: 'WECHAT_MINIPROGRAM',
      customData: { school: 'hust' },
      context: { lang: 'en' },
      extIdpConnId: 'conn-1',
      autoMergeQrCode: false,
    });
    expect(full.body).toEqual({
      statusCode: 200,
      message: 'Success',
      data: {
        qrcodeId: expect.any(String),
        url: 'https://example.test/code.png',
        customLogoUrl: 'https://example.test/logo.png',
      },
    });
    await booted.post('gene-qrcode', { type: 'WECHAT_MINIPROGRAM' });
    expect(inputs).toStrictEqual([
      {
        type: 'WECHAT_MINIPROGRAM',
        customData: { school: 'hust' },
        context: { lang: 'en' },
        extIdpConnId: 'conn-1',
        autoMergeQrCode: false,
      },
      { type: 'WECHAT_MINIPROGRAM' },
    ]);
  });

  it('check-qrcode-status and get-qrcode-status answer the status, who scanned, then the ticket', async () => {
    const booted = await boot();
    const { qrcodeId } = (await booted.post('gene-qrcode', { type: 'MOBILE_APP' })).body.data;
    for (const path of ['check-qrcode-status', 'get-qrcode-status']) {
      const pending = await booted.get(`${path}?qrcodeId=${qrcodeId}`);
      expect(pending.status).toBe(200);
      expect(pending.headers.get('cache-control')).toBe('no-store');
      expect(pending.body).toEqual({ statusCode: 200, message: 'Success', data: { status: 'PENDING' } });
    }
    const scan = await booted.post(
      'change-qrcode-status',
      { qrcodeId, action: 'SCAN' },
      { authorization: 'token-bob' },
    );
    expect(scan.status).toBe(200);
    expect(scan.headers.get('cache-control')).toBe('no-store');
    expect(scan.body).toEqual({ statusCode: 200, message: 'Success' });
    for (const path of ['check-qrcode-status', 'get-qrcode-status']) {
      expect((await booted.get(`${path}?qrcodeId=${qrcodeId}`)).body.data).toEqual({
        status: 'SCANNED',
        briefUserInfo: { displayName: 'Bob', photo: '' },
      });
    }
    await booted.post('change-qrcode-status', { qrcodeId, action: 'CONFIRM' }, { authorization: 'Bearer token-bob' });
    for (const path of ['check-qrcode-status', 'get-qrcode-status']) {
      expect((await booted.get(`${path}?qrcodeId=${qrcodeId}`)).body.data).toEqual({
        status: 'AUTHORIZED',
        ticket: expect.any(String),
        briefUserInfo: { displayName: 'Bob', photo: '' },
      });
    }
  });

  it('set-qrcode-status answers { success: true } and the exchange answers the token set once', async () => {
    const booted = await boot();
    const { qrcodeId } = (await booted.post('gene-qrcode', { type: 'MOBILE_APP' })).body.data;
    const scan = await booted.post('set-qrcode-status', { qrcodeId, action: 'SCAN' }, { authorization: 'token-alice' });
    expect(scan.headers.get('cache-control')).toBe('no-store');
    expect(scan.body).toEqual({ statusCode: 200, message: 'Success', data: { success: true } });
    await booted.post('set-qrcode-status', { qrcodeId, action: 'CONFIRM' }, { authorization: 'token-alice' });
    const status = await booted.get(`get-qrcode-status?qrcodeId=${qrcodeId}`);
    expect(status.body.data.briefUserInfo).toEqual({ displayName: 'Alice', photo: 'https://example.test/alice.png' });
    const exchanged = await booted.post('exchange-tokenset-with-qrcode-ticket', { ticket: status.body.data.ticket });
    expect(exchanged.status).toBe(200);
    expect(exchanged.headers.get('cache-control')).toBe('no-store');
    expect(exchanged.body).toEqual({
      statusCode: 200,
      message: 'Success',
      data: { access_token: 'session-for-u-alice', token_type: 'Bearer', expire_in: 60 },
    });
    const again = await booted.post('exchange-tokenset-with-qrcode-ticket', { ticket: status.body.data.ticket });
    expectFailure(again, 401, 'QR_TICKET_USED');
  });

  it('answers failures in the envelope with HTTP 200: unknown code, bad input, no user, wrong state', async () => {
    const booted = await boot();
    const error = vi.spyOn(Logger.prototype, 'error');
    expectFailure(await booted.get('get-qrcode-status?qrcodeId=no-such-code'), 404, 'QR_NOT_FOUND');
    const invalid = await booted.post('gene-qrcode', {});
    expectFailure(invalid, 400, 'QR_VALIDATION_FAILED');
    expect(invalid.body.message).toBe(
      '"type" is required and must be one of MOBILE_APP, WECHAT_MINIPROGRAM, WECHAT_OFFICIAL_ACCOUNT.',
    );
    const { qrcodeId } = (await booted.post('gene-qrcode', { type: 'MOBILE_APP' })).body.data;
    expectFailure(
      await booted.post('change-qrcode-status', { qrcodeId, action: 'SCAN' }),
      401,
      'QR_APP_USER_UNAUTHENTICATED',
    );
    expectFailure(
      await booted.post('set-qrcode-status', { qrcodeId, action: 'CONFIRM' }, { authorization: 'token-alice' }),
      409,
      'QR_WRONG_STATE',
    );
    expect(error).not.toHaveBeenCalled();
  });

  it('answers an HTTP exception of the app with its own status and message', async () => {
    const booted = await boot(
      {},
      {
        appAuth: {
          resolveUser: (request: any) => {
            const token = request.headers.authorization;
            if (token === 'Bearer teapot') throw new HttpException('I am a teapot', 418);
            if (token === 'Bearer listed') throw new HttpException({ message: ['first', 'second'] }, 422);
            if (token === 'Bearer numbered') throw new HttpException({ message: 7, code: 9 }, 400);
            if (token === 'Bearer bare') throw new HttpException(42 as any, 409);
            return null;
          },
        },
      },
    );
    const { qrcodeId } = (await booted.post('gene-qrcode', { type: 'MOBILE_APP' })).body.data;
    const act = (token: string) =>
      booted.post('change-qrcode-status', { qrcodeId, action: 'SCAN' }, { authorization: token });
    const teapot = await act('teapot');
    expectFailure(teapot, 418);
    expect(teapot.body.message).toBe('I am a teapot');
    const listed = await act('listed');
    expectFailure(listed, 422);
    expect(listed.body.message).toBe('first; second');
    const numbered = await act('numbered');
    expectFailure(numbered, 400);
    expect(numbered.body.message).toBe('Http Exception');
    const bare = await act('bare');
    expectFailure(bare, 409);
    expect(bare.body.message).toBe('Http Exception');
  });

  it('answers a crash as a 500 without its details, which go to the server log with the stack', async () => {
    const crash = new Error('database on fire');
    const booted = await boot(
      {},
      {
        issueTokenSet: () => {
          throw crash;
        },
      },
    );
    const { ticket } = await authorized(booted);
    const error = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const answer = await booted.post('exchange-tokenset-with-qrcode-ticket', { ticket });
    expectFailure(answer, 500);
    expect(answer.body.message).toBe('Internal server error; the server log has the details.');
    expect(error).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledWith(crash.stack);
  });

  it('refuses a request naming another app when appId is set, saying how to fix it', async () => {
    const booted = await boot({ appId: 'app-1' });
    const refused = await booted.post('gene-qrcode', { type: 'MOBILE_APP' }, { 'x-authing-app-id': 'app-2' });
    expectFailure(refused, 403, 'QR_APP_ID_MISMATCH');
    expect(refused.body.message).toBe(
      'The x-authing-app-id header does not name this app: initialise the SDK with the appId configured in QrLoginGenAuthModule.',
    );
    const served = await booted.post('gene-qrcode', { type: 'MOBILE_APP' }, { 'x-authing-app-id': 'app-1' });
    expect(served.body.statusCode).toBe(200);
  });
});
