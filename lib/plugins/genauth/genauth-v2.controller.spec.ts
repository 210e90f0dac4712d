import { describe, expect, it } from 'vitest';
import { QrLoginService, type QrLoginContext } from '../../plugin';
import { APP_USERS, createTestApp, type TestAppOptions } from '../../../test/app/test-app';
import { closedAfterEach } from '../../../test/support/closed-after-each';
import { request } from '../../../test/support/http';
import type { QrLoginGenAuthForRootOptions } from './genauth.module-definition';

/*
 * The V2 compatible routes over real HTTP on one adapter, apps made inside
 * each test: every route once with its exact V2 envelope ({ code, message,
 * data }, HTTP 200 even on failure) and caching header. The end-to-end suite
 * drives the same routes with authing-js-sdk.
 */

const keep = closedAfterEach<{ close(): Promise<unknown> }>();

async function boot(genauth: QrLoginGenAuthForRootOptions = {}, options: TestAppOptions['options'] = {}) {
  const authorized: QrLoginContext[] = [];
  const { app, url } = await createTestApp({
    adapter: 'express',
    genauth: { v3: false, v2: true, ...genauth },
    options: {
      issueTokenSet: (user: any) => ({ access_token: `session-for-${user.id}`, expires_in: 60 }),
      // The fixture user, plus fields V2 must not send as they are not strings.
      loadUser: (userId) => {
        const user = Object.values(APP_USERS).find((candidate) => candidate.id === userId);
        return user ? { ...user, email: `${user.username}@example.test`, phone: 42 } : null;
      },
      onAuthorized: (context) => void authorized.push(context),
      ...options,
    },
  });
  keep(app);
  const v2 = `${url}/api/v2/qrcode`;
  const post = (path: string, json: unknown, headers: Record<string, string> = {}) =>
    request(`${v2}/${path}`, { json, headers });
  const check = (random: string) => request(`${v2}/check?random=${encodeURIComponent(random)}`);
  return { app, url, authorized, post, check };
}

type Booted = Awaited<ReturnType<typeof boot>>;

async function confirmedBy(booted: Booted, token: string, gene: object = {}) {
  const { random } = (await booted.post('gene', gene)).body.data;
  await booted.post('scanned', { random }, { authorization: token });
  await booted.post('confirm', { random }, { authorization: token });
  return { random: random as string, ticket: (await booted.check(random)).body.data.ticket as string };
}

describe('GenAuth V2 routes', () => {
  it('gene answers random, url and expiresIn in the V2 envelope, never cached', async () => {
    const { post } = await boot();
    const created = await post('gene', { scene: 'APP_AUTH' });
    expect(created.status).toBe(200);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body).toEqual({
      code: 200,
      message: 'Success',
      data: {
        random: expect.any(String),
        url: expect.stringMatching(/^data:image\/svg\+xml;base64,/),
        expiresIn: 120,
      },
    });
  });

  it("gene answers the logo of the app's own renderer of its codes as customLogo", async () => {
    const booted = await boot();
    // An app may render the MOBILE_APP codes V2 creates through a handler of its own.
    booted.app.get(QrLoginService).registerTypeHandler({
      type: 'MOBILE_APP' as any,
      render: async () => ({
        url: 'https://example.test/code.png',
        payload: 'p',
        customLogoUrl: 'https://example.test/logo.png',
      }),
    });
    expect((await booted.post('gene', {})).body.data).toEqual({
      random: expect.any(String),
      url: 'https://example.test/code.png',
      expiresIn: 120,
      customLogo: 'https://example.test/logo.png',
    });
  });

  it('gene hands params (else customData) and context to the hooks', async () => {
    const booted = await boot();
    const params = await confirmedBy(booted, 'token-alice', { params: { from: 'params' }, context: { lang: 'en' } });
    const custom = await confirmedBy(booted, 'token-alice', { customData: { from: 'customData' } });
    const both = await confirmedBy(booted, 'token-alice', { params: { from: 'params' }, customData: { from: 'x' } });
    const none = await confirmedBy(booted, 'token-alice');
    const of = (random: string) => booted.authorized.find((context) => context.qrcodeId === random)!;
    expect(of(params.random).customData).toEqual({ from: 'params' });
    expect(of(params.random).context).toEqual({ lang: 'en' });
    expect(of(custom.random).customData).toEqual({ from: 'customData' });
    expect(of(custom.random)).not.toHaveProperty('context');
    expect(of(both.random).customData).toEqual({ from: 'params' });
    expect(of(none.random)).not.toHaveProperty('customData');
  });

  it('gene refuses any scene but APP_AUTH, saying which to use', async () => {
    const { post } = await boot();
    const refused = await post('gene', { scene: 'WXAPP_AUTH' });
    expect(refused.status).toBe(200);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect(refused.body).toEqual({
      code: 400,
      message: 'scene WXAPP_AUTH is not served here; use APP_AUTH (scan with your own app: client.qrcode).',
      data: null,
    });
  });

  it('check, scanned, confirm: numeric statuses, who scanned, then the ticket', async () => {
    const booted = await boot();
    const { random } = (await booted.post('gene', {})).body.data;
    const pending = await booted.check(random);
    expect(pending.status).toBe(200);
    expect(pending.headers.get('cache-control')).toBe('no-store');
    expect(pending.body).toEqual({
      code: 200,
      message: 'Query QR code status successfully',
      data: { random, status: 0, ticket: null, userInfo: {} },
    });
    const scanned = await booted.post('scanned', { random }, { authorization: 'Bearer token-bob' });
    expect(scanned.status).toBe(200);
    expect(scanned.headers.get('cache-control')).toBe('no-store');
    const waiting = 'Scanned; waiting for the user to confirm';
    expect(scanned.body).toEqual({ code: 200, message: waiting, data: { random, status: 1, description: waiting } });
    expect((await booted.check(random)).body.data).toEqual({
      random,
      status: 1,
      ticket: null,
      userInfo: { nickname: 'Bob', photo: '' },
    });
    const confirmed = await booted.post('confirm', { random }, { authorization: 'token-bob' });
    const authorized = 'Login authorized';
    expect(confirmed.headers.get('cache-control')).toBe('no-store');
    expect(confirmed.body).toEqual({
      code: 200,
      message: authorized,
      data: { random, status: 2, description: authorized },
    });
    expect((await booted.check(random)).body.data).toEqual({
      random,
      status: 2,
      ticket: expect.any(String),
      userInfo: { nickname: 'Bob', photo: '' },
    });
  });

  it('cancel after scanned answers status 3', async () => {
    const booted = await boot();
    const { random } = (await booted.post('gene', {})).body.data;
    await booted.post('scanned', { random }, { authorization: 'token-alice' });
    expect((await booted.check(random)).body.data.userInfo).toEqual({
      nickname: 'Alice',
      photo: 'https://example.test/alice.png',
    });
    const cancelled = await booted.post('cancel', { random }, { authorization: 'token-alice' });
    const message = 'Login cancelled';
    expect(cancelled.headers.get('cache-control')).toBe('no-store');
    expect(cancelled.body).toEqual({ code: 200, message, data: { random, status: 3, description: message } });
  });

  it('userinfo exchanges the ticket once for the user, their string fields and the token', async () => {
    const booted = await boot();
    const { ticket } = await confirmedBy(booted, 'token-alice');
    const before = Date.now();
    const exchanged = await booted.post('userinfo', { ticket });
    const after = Date.now();
    expect(exchanged.status).toBe(200);
    expect(exchanged.headers.get('cache-control')).toBe('no-store');
    expect(exchanged.body).toEqual({
      code: 200,
      message: 'Exchanged the ticket for user info',
      data: {
        id: 'u-alice',
        nickname: 'Alice',
        photo: 'https://example.test/alice.png',
        username: 'alice',
        email: 'alice@example.test',
        token: 'session-for-u-alice',
        tokenExpiredAt: expect.any(String),
      },
    });
    const expiresAt = Date.parse(exchanged.body.data.tokenExpiredAt);
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 60_000);
    expect(expiresAt).toBeLessThanOrEqual(after + 60_000);
    const again = await booted.post('userinfo', { ticket });
    expect(again.body).toEqual({ code: 401, message: expect.any(String), data: null });
  });

  it('userinfo sends an empty photo for a user without one', async () => {
    const booted = await boot();
    const { ticket } = await confirmedBy(booted, 'token-bob');
    expect((await booted.post('userinfo', { ticket })).body.data).toEqual({
      id: 'u-bob',
      nickname: 'Bob',
      photo: '',
      username: 'bob',
      email: 'bob@example.test',
      token: 'session-for-u-bob',
      tokenExpiredAt: expect.any(String),
    });
  });

  it("answers GenAuth's V2 codes: 2241 for an unknown code, 2020 without a user, else the status", async () => {
    const booted = await boot();
    const unknown = await booted.check('no-such-code');
    expect(unknown.status).toBe(200);
    expect(unknown.headers.get('cache-control')).toBe('no-store');
    expect(unknown.body).toEqual({ code: 2241, message: expect.any(String), data: null });
    const { random } = (await booted.post('gene', {})).body.data;
    expect((await booted.post('scanned', { random })).body).toEqual({
      code: 2020,
      message: expect.any(String),
      data: null,
    });
    expect((await booted.post('confirm', { random }, { authorization: 'token-bob' })).body).toEqual({
      code: 409,
      message: expect.any(String),
      data: null,
    });
  });
});
