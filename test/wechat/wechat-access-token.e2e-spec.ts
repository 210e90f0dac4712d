import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QrLoginModuleOptions } from '../../lib';
import type { QrLoginWechatModuleOptions, WechatConnection } from '../../lib/plugins/wechat';
import { ADAPTERS } from '../app/test-app';
import { nativeClient } from '../support/http';
import { ManualClock } from '../support/manual-clock';
import type { FakeWechatServer } from './fake-wechat.server';
import { MINI, MINI_B, OA, createWechatTestApp, startFakeWechat } from './wechat-test-app';

describe.each(ADAPTERS)('WeChat access tokens and errors on %s', (adapter) => {
  let fake: FakeWechatServer;
  let app: Awaited<ReturnType<typeof createWechatTestApp>>['app'] | undefined;
  let api: ReturnType<typeof nativeClient>;

  const boot = async (wechat: Partial<QrLoginWechatModuleOptions> = {}, core: Partial<QrLoginModuleOptions> = {}) => {
    const started = await createWechatTestApp({ adapter, fake, wechat, core });
    app = started.app;
    api = nativeClient(started.url);
  };
  const mini = (json: Record<string, unknown> = {}) => api.create({ type: 'WECHAT_MINIPROGRAM', ...json });

  beforeEach(async () => {
    fake = await startFakeWechat();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await fake.stop();
  });

  it('fetches a token once per app and reuses it, one fetch for many concurrent callers', async () => {
    await boot();
    for (let i = 0; i < 3; i++) expect((await mini()).status).toBe(201);
    expect((await api.create({ type: 'WECHAT_OFFICIAL_ACCOUNT' })).status).toBe(201);
    // One for the mini program, one for the official account.
    expect(fake.count('cgi-bin/stable_token')).toBe(2);
    expect(fake.count('wxa/getwxacodeunlimit')).toBe(3);

    // Another app, eight codes at once, nothing cached yet: still one fetch.
    const answers = await Promise.all(Array.from({ length: 8 }, () => mini({ extIdpConnId: 'mini-b' })));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
    expect(fake.count('cgi-bin/stable_token')).toBe(3);
    expect(fake.wxacodeRequests.filter((r) => r.appId === MINI_B.appId)).toHaveLength(8);
  });

  it('fetches a new token when the old one is about to expire', async () => {
    // Tokens live 2 s; refreshed at half their life when the margin is longer than that.
    fake.tokenTtl = 2;
    const clock = new ManualClock();
    await boot({}, { clock });
    await mini();
    await mini();
    expect(fake.count('cgi-bin/stable_token')).toBe(1);
    clock.advance(999);
    await mini();
    expect(fake.count('cgi-bin/stable_token')).toBe(1);
    clock.advance(1);
    await mini();
    expect(fake.count('cgi-bin/stable_token')).toBe(2);
    await mini();
    expect(fake.count('cgi-bin/stable_token')).toBe(2);
  });

  it('uses GET cgi-bin/token when accessTokenEndpoint is "token"', async () => {
    await boot({ accessTokenEndpoint: 'token' });
    await mini();
    await mini();
    expect(fake.count('cgi-bin/token')).toBe(1);
    expect(fake.count('cgi-bin/stable_token')).toBe(0);
  });

  it('on 40001 (token replaced elsewhere) fetches a new token and retries once', async () => {
    await boot();
    await mini();
    fake.revokeTokens();
    const created = await mini();
    expect(created.status).toBe(201);
    expect(fake.count('cgi-bin/stable_token')).toBe(2);
    expect(fake.count('wxa/getwxacodeunlimit')).toBe(3);
    // And the new token is the one kept.
    await mini();
    expect(fake.count('cgi-bin/stable_token')).toBe(2);
  });

  it('forces a stable_token refresh when WeChat refuses the very token stable_token keeps handing out', async () => {
    await boot();
    await mini();
    fake.failNext('wxa/getwxacodeunlimit', 40001);
    expect((await mini()).status).toBe(201);
    expect(fake.forcedRefreshes).toBe(1);
    expect(fake.count('wxa/getwxacodeunlimit')).toBe(3);
  });

  it('retries only once: a second 40001 is a clear 502 with errcode and errmsg', async () => {
    await boot();
    fake.failNext('wxa/getwxacodeunlimit', 40001).failNext('wxa/getwxacodeunlimit', 40001);
    const created = await mini();
    expect(created.status).toBe(502);
    expect(created.body).toMatchObject({ statusCode: 502, code: 'QR_WECHAT_API_ERROR' });
    expect(created.body.message).toContain('errcode 40001');
    expect(created.body.message).toContain('invalid credential');
    expect(fake.count('wxa/getwxacodeunlimit')).toBe(2);
  });

  it('answers 45009 (quota used up) as 503 QR_WECHAT_RATE_LIMITED, from the API and from the token endpoint', async () => {
    await boot();
    fake.failNext('cgi-bin/qrcode/create', 45009);
    const limited = await api.create({ type: 'WECHAT_OFFICIAL_ACCOUNT' });
    expect(limited.status).toBe(503);
    expect(limited.body).toMatchObject({ statusCode: 503, code: 'QR_WECHAT_RATE_LIMITED' });
    expect(limited.body.message).toContain('45009');
    expect(fake.count('cgi-bin/qrcode/create')).toBe(1);

    fake.failNext('cgi-bin/stable_token', 45009);
    const tokenLimited = await mini();
    expect(tokenLimited.status).toBe(503);
    expect(tokenLimited.body.code).toBe('QR_WECHAT_RATE_LIMITED');
    // A failed fetch is not cached: the next call fetches again and works.
    expect((await mini()).status).toBe(201);
  });

  it('names the connection and never the secret when WeChat refuses the credentials', async () => {
    const connections: WechatConnection[] = [
      { ...MINI, appSecret: 'the-wrong-secret-123', type: 'WECHAT_MINIPROGRAM' },
    ];
    await boot({ connections });
    const created = await mini();
    expect(created.status).toBe(502);
    expect(created.body.code).toBe('QR_WECHAT_API_ERROR');
    expect(created.body.message).toContain('errcode 40125');
    expect(created.body.message).toContain('connection "mini"');
    expect(JSON.stringify(created.body)).not.toContain('the-wrong-secret-123');
  });

  it('answers 503 QR_WECHAT_UNAVAILABLE when WeChat cannot be reached', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    await boot({ baseUrl: `http://127.0.0.1:${closedPort}` });
    const created = await mini();
    expect(created.status).toBe(503);
    expect(created.body.code).toBe('QR_WECHAT_UNAVAILABLE');
    expect(JSON.stringify(created.body)).not.toContain(MINI.appSecret);
  });

  it('takes tokens from getAccessToken when given, and asks it to refresh after a 40001', async () => {
    const asked: { appId: string; forceRefresh: boolean }[] = [];
    await boot({
      getAccessToken: async (connection, { forceRefresh }) => {
        asked.push({ appId: connection.appId, forceRefresh });
        // A central token service would answer from its own cache; here it asks the fake.
        const query = new URLSearchParams({
          grant_type: 'client_credential',
          appid: connection.appId,
          secret: connection.appSecret,
        });
        return (await (await fetch(`${fake.url}/cgi-bin/token?${query}`)).json()).access_token;
      },
    });
    expect((await api.create({ type: 'WECHAT_OFFICIAL_ACCOUNT' })).status).toBe(201);
    expect(asked).toEqual([{ appId: OA.appId, forceRefresh: false }]);
    expect(fake.count('cgi-bin/stable_token')).toBe(0);
    fake.failNext('cgi-bin/qrcode/create', 40001);
    expect((await api.create({ type: 'WECHAT_OFFICIAL_ACCOUNT' })).status).toBe(201);
    expect(asked.slice(1)).toEqual([
      { appId: OA.appId, forceRefresh: false },
      { appId: OA.appId, forceRefresh: true },
    ]);
  });
});
