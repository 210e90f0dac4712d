import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger, type LoggerService } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/manual-clock';
import type { FakeWechatServer } from '../../../test/wechat/fake-wechat.server';
import { MINI, OA, PNG_SIGNATURE, startFakeWechat } from '../../../test/wechat/wechat-test-app';
import { WechatApiClient } from './wechat-api.client';
import { resolveQrLoginWechatConfig } from './wechat.config';
import { QrLoginWechatException } from './wechat.errors';
import type {
  QrLoginWechatModuleOptions,
  WechatMiniProgramConnection,
  WechatOfficialAccountConnection,
} from './interfaces/wechat-options.interface';

/*
 * The WeChat API client against the local fake WeChat server (and, for
 * answers WeChat rarely gives, a scripted loopback server): the exact
 * requests, the answers it keeps, and which HTTP error each errcode becomes,
 * with no secret in any message or log line.
 */

const mini = { type: 'WECHAT_MINIPROGRAM', ...MINI } as WechatMiniProgramConnection;
const oa = { type: 'WECHAT_OFFICIAL_ACCOUNT', ...OA } as WechatOfficialAccountConnection;

let fake: FakeWechatServer;
let warnings: string[];
/** The logger context of each warning. */
let contexts: unknown[];
const servers: Server[] = [];

beforeEach(async () => {
  fake = await startFakeWechat();
  warnings = [];
  contexts = [];
  const quiet = () => undefined;
  const recorder: LoggerService = {
    log: quiet,
    error: quiet,
    warn: (message: string, context?: unknown) => {
      warnings.push(message);
      contexts.push(context);
    },
  };
  Logger.overrideLogger(recorder);
});
afterEach(async () => {
  Logger.overrideLogger(true);
  await fake.stop();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function clientOf(baseUrl: string, options: Partial<QrLoginWechatModuleOptions> = {}): WechatApiClient {
  return new WechatApiClient(
    resolveQrLoginWechatConfig({
      connections: [mini, oa],
      findOrCreateUser: () => ({ id: 'u' }),
      baseUrl,
      ...options,
    }),
  );
}

/** A loopback server that answers each path with the JSON given for it. */
async function scripted(answers: Record<string, unknown>): Promise<string> {
  const server = createServer((request, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://x').pathname.slice(1);
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(JSON.stringify(path in answers ? answers[path] : { errcode: 404, errmsg: 'no such api' }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The exception a call ends with, as "status code: message". */
async function refusal(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return 'no error';
  } catch (error) {
    expect(error).toBeInstanceOf(QrLoginWechatException);
    const e = error as QrLoginWechatException;
    return `${e.getStatus()} ${e.code}: ${e.message.replace(/rid: \w+/, 'rid: R')}`;
  }
}

describe('getUnlimitedWxacode', () => {
  it("asks for the scene with WeChat's defaults (checked path, release, 430 px, no page) and answers the PNG", async () => {
    const image = await clientOf(fake.url).getUnlimitedWxacode(mini, 'scene-1');
    expect(image.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(fake.wxacodeRequests).toEqual([
      { appId: MINI.appId, body: { scene: 'scene-1', check_path: true, env_version: 'release', width: 430 } },
    ]);
  });

  it("passes the connection's page, checkPath, envVersion and width", async () => {
    const connection = {
      ...mini,
      page: 'pages/none/index',
      checkPath: false,
      envVersion: 'trial',
      width: 280,
    } as const;
    await clientOf(fake.url).getUnlimitedWxacode(connection, 's2');
    expect(fake.wxacodeRequests[0].body).toEqual({
      scene: 's2',
      check_path: false,
      env_version: 'trial',
      width: 280,
      page: 'pages/none/index',
    });
  });

  it('says how to fix a page that does not exist (41030)', async () => {
    expect(await refusal(clientOf(fake.url).getUnlimitedWxacode({ ...mini, page: 'pages/none/index' }, 's'))).toBe(
      '502 QR_WECHAT_API_ERROR: WeChat wxa/getwxacodeunlimit answered errcode 41030: invalid page rid: R. The page of connection "mini" must exist in the mini program version it opens; set "checkPath: false" or "envVersion" while it is unreleased',
    );
    expect(warnings).toEqual([
      expect.stringMatching(
        /^WeChat wxa\/getwxacodeunlimit answered errcode 41030: invalid page rid: \w+ \(connection "mini"\)$/,
      ),
    ]);
    expect(contexts).toEqual(['QrLoginWechat']);
  });

  it("answers 503 when the app's quota is used up (45009, 45011) or WeChat is busy (-1)", async () => {
    const client = clientOf(fake.url);
    fake.failNext('wxa/getwxacodeunlimit', 45009).failNext('wxa/getwxacodeunlimit', 45011);
    const quota = (errcode: number) =>
      `503 QR_WECHAT_RATE_LIMITED: WeChat's call quota for wxa/getwxacodeunlimit is used up (errcode ${errcode}); retry later, or reset the quota in the WeChat admin console.`;
    expect(await refusal(client.getUnlimitedWxacode(mini, 's'))).toBe(quota(45009));
    expect(await refusal(client.getUnlimitedWxacode(mini, 's'))).toBe(quota(45011));
    fake.failNext('wxa/getwxacodeunlimit', -1);
    expect(await refusal(client.getUnlimitedWxacode(mini, 's'))).toBe(
      '503 QR_WECHAT_UNAVAILABLE: WeChat wxa/getwxacodeunlimit is unavailable (system error rid: R); retry in a moment.',
    );
  });

  it("answers 502 with WeChat's errcode for any other error; a login-code errcode here is no login-code error", async () => {
    const client = clientOf(fake.url);
    fake.failNext('wxa/getwxacodeunlimit', 40169);
    expect(await refusal(client.getUnlimitedWxacode(mini, 's'))).toBe(
      '502 QR_WECHAT_API_ERROR: WeChat wxa/getwxacodeunlimit answered errcode 40169: invalid length for scene, or the data is not json rid: R',
    );
    fake.failNext('wxa/getwxacodeunlimit', 40029);
    expect(await refusal(client.getUnlimitedWxacode(mini, 's'))).toBe(
      '502 QR_WECHAT_API_ERROR: WeChat wxa/getwxacodeunlimit answered errcode 40029: invalid code rid: R',
    );
  });

  it('refuses a JSON answer without errcode as errcode -1 (an unusable answer means WeChat is unavailable)', async () => {
    const base = await scripted({
      'cgi-bin/stable_token': { access_token: 'TOKEN-1', expires_in: 7200 },
      'wxa/getwxacodeunlimit': { ok: true },
    });
    expect(await refusal(clientOf(base).getUnlimitedWxacode(mini, 's'))).toBe(
      '503 QR_WECHAT_UNAVAILABLE: WeChat wxa/getwxacodeunlimit is unavailable (an answer without the expected fields); retry in a moment.',
    );
  });
});

describe('code2Session', () => {
  it('names the user of a wx.login code, with the unionid only when WeChat gives one', async () => {
    fake.addLoginCode('c1', MINI.appId, 'o-1').addLoginCode('c2', MINI.appId, 'o-2', 'u-2');
    const client = clientOf(fake.url);
    expect(await client.code2Session(mini, 'c1')).toEqual({ openid: 'o-1' });
    expect(await client.code2Session(mini, 'c2')).toEqual({ openid: 'o-2', unionid: 'u-2' });
  });

  it('answers 401 for an unknown or used code, and nothing else for it', async () => {
    fake.addLoginCode('c1', MINI.appId, 'o-1');
    const client = clientOf(fake.url);
    await client.code2Session(mini, 'c1');
    const invalid =
      '401 QR_WECHAT_LOGIN_CODE_INVALID: WeChat refused the login code: call wx.login() again right before each request; a code works once and expires in 5 minutes.';
    expect(await refusal(client.code2Session(mini, 'c1'))).toBe(invalid);
    expect(await refusal(client.code2Session(mini, 'nope'))).toBe(invalid);
    fake.failNext('sns/jscode2session', 45011);
    expect(await refusal(client.code2Session(mini, 'c1'))).toMatch(/^503 QR_WECHAT_RATE_LIMITED: /);
  });

  it('says to check the credentials when WeChat refuses them', async () => {
    const hint = (errcode: number, errmsg: string) =>
      `502 QR_WECHAT_API_ERROR: WeChat sns/jscode2session answered errcode ${errcode}: ${errmsg} rid: R. Check "appId" and "appSecret" of connection "mini", and that this server's IP address is on the app's IP whitelist`;
    const client = clientOf(fake.url);
    expect(await refusal(client.code2Session({ ...mini, appSecret: 'wrong' }, 'c'))).toBe(
      hint(40125, 'invalid appsecret'),
    );
    expect(await refusal(client.code2Session({ ...mini, appId: 'wxnobody' }, 'c'))).toBe(hint(40013, 'invalid appid'));
  });

  it('refuses an answer whose openid is empty or no string, or a JSON null, and hides the secret WeChat echoes', async () => {
    const fieldless =
      '503 QR_WECHAT_UNAVAILABLE: WeChat sns/jscode2session is unavailable (an answer without the expected fields); retry in a moment.';
    const empty = await scripted({ 'sns/jscode2session': { openid: '', unionid: 'u' } });
    expect(await refusal(clientOf(empty).code2Session(mini, 'c'))).toBe(fieldless);
    const nothing = await scripted({ 'sns/jscode2session': null });
    expect(await refusal(clientOf(nothing).code2Session(mini, 'c'))).toBe(fieldless);
    const echo = await scripted({
      'sns/jscode2session': {
        openid: 7,
        errcode: 40099,
        errmsg: `bad secret ${MINI.appSecret}, again ${MINI.appSecret}`,
      },
    });
    const text = await refusal(clientOf(echo).code2Session(mini, 'c'));
    expect(text).toBe(
      '502 QR_WECHAT_API_ERROR: WeChat sns/jscode2session answered errcode 40099: bad secret [redacted], again [redacted]',
    );
    expect(warnings).toEqual([
      'WeChat sns/jscode2session answered errcode -1: an answer without the expected fields (connection "mini")',
      'WeChat sns/jscode2session answered errcode -1: an answer without the expected fields (connection "mini")',
      'WeChat sns/jscode2session answered errcode 40099: bad secret [redacted], again [redacted] (connection "mini")',
    ]);
  });

  it('keeps no unionid that is empty or no string', async () => {
    for (const unionid of ['', 5]) {
      const base = await scripted({ 'sns/jscode2session': { openid: 'o', unionid } });
      expect(await clientOf(base).code2Session(mini, 'c')).toEqual({ openid: 'o' });
    }
  });
});

describe('createTemporaryQrCode', () => {
  it('asks for a QR_STR_SCENE code of the given life and answers the ticket, its text and its life', async () => {
    const code = await clientOf(fake.url).createTemporaryQrCode(oa, 'scene-9', 90);
    const issued = fake.qrcodeRequests[0];
    expect(issued.appId).toBe(OA.appId);
    expect(issued.body).toEqual({
      expire_seconds: 90,
      action_name: 'QR_STR_SCENE',
      action_info: { scene: { scene_str: 'scene-9' } },
    });
    expect(code).toEqual({ ticket: issued.ticket, url: issued.url, expireSeconds: 90 });
  });

  it("fills in a missing url with '' and a missing life with the one asked for", async () => {
    const base = await scripted({
      'cgi-bin/stable_token': { access_token: 'TOKEN-1', expires_in: 7200 },
      'cgi-bin/qrcode/create': { ticket: 'T1', url: 5, expire_seconds: '60' },
    });
    expect(await clientOf(base).createTemporaryQrCode(oa, 's', 45)).toEqual({
      ticket: 'T1',
      url: '',
      expireSeconds: 45,
    });
  });

  it('answers the life WeChat granted when it differs from the one asked for', async () => {
    const shorter = await scripted({
      'cgi-bin/stable_token': { access_token: 'TOKEN-1', expires_in: 7200 },
      'cgi-bin/qrcode/create': { ticket: 'T2', url: 'https://weixin.qq.com/q/T2', expire_seconds: 60 },
    });
    expect(await clientOf(shorter).createTemporaryQrCode(oa, 's', 90)).toEqual({
      ticket: 'T2',
      url: 'https://weixin.qq.com/q/T2',
      expireSeconds: 60,
    });
  });

  it('refuses an answer without a ticket, hiding the token, AES key and access token WeChat echoes', async () => {
    const none = await scripted({
      'cgi-bin/stable_token': { access_token: 'TOKEN-1', expires_in: 7200 },
      'cgi-bin/qrcode/create': { ticket: '' },
    });
    expect(await refusal(clientOf(none).createTemporaryQrCode(oa, 's', 45))).toMatch(/^503 QR_WECHAT_UNAVAILABLE: /);
    const nothing = await scripted({
      'cgi-bin/stable_token': { access_token: 'TOKEN-1', expires_in: 7200 },
      'cgi-bin/qrcode/create': null,
    });
    expect(await refusal(clientOf(nothing).createTemporaryQrCode(oa, 's', 45))).toBe(
      '503 QR_WECHAT_UNAVAILABLE: WeChat cgi-bin/qrcode/create is unavailable (an answer without the expected fields); retry in a moment.',
    );
    const echo = await scripted({
      'cgi-bin/stable_token': { access_token: 'ACCESSTOKEN1', expires_in: 7200 },
      'cgi-bin/qrcode/create': {
        errcode: 40097,
        errmsg: `args ${OA.token} ${OA.encodingAESKey} ACCESSTOKEN1 ${OA.appSecret}`,
      },
    });
    expect(await refusal(clientOf(echo).createTemporaryQrCode(oa, 's', 45))).toBe(
      '502 QR_WECHAT_API_ERROR: WeChat cgi-bin/qrcode/create answered errcode 40097: args [redacted] [redacted] [redacted] [redacted]',
    );
  });

  it("does not take a mini program's app secret alone for an official account's: both are hidden", async () => {
    const echo = await scripted({
      'cgi-bin/stable_token': { access_token: 'ACCESSTOKEN2', expires_in: 7200 },
      'wxa/getwxacodeunlimit': { errcode: 40097, errmsg: `x ${OA.token} ${MINI.appSecret} ACCESSTOKEN2` },
    });
    // A mini program has no token of its own: the official account's token stays as WeChat wrote it.
    expect(await refusal(clientOf(echo).getUnlimitedWxacode(mini, 's'))).toBe(
      `502 QR_WECHAT_API_ERROR: WeChat wxa/getwxacodeunlimit answered errcode 40097: x ${OA.token} [redacted] [redacted]`,
    );
  });
});

describe('access tokens', () => {
  it("answers the app's cached token, measured on the clock it is given", async () => {
    const client = clientOf(fake.url);
    const clock = new ManualClock();
    client.useClock(clock);
    const token = await client.accessToken(mini);
    expect(token.startsWith(`${MINI.appId}.`)).toBe(true);
    expect(await client.accessToken(mini)).toBe(token);
    expect(fake.count('cgi-bin/stable_token')).toBe(1);
    // Past the refresh time (7200 s less the 300 s margin) on that clock only: fetched again.
    clock.advance(6_900_000);
    await client.accessToken(mini);
    expect(fake.count('cgi-bin/stable_token')).toBe(2);
  });

  it('lets an error that is not WeChat’s leave as it is', async () => {
    const boom = new Error('vault down');
    const client = clientOf(fake.url, {
      getAccessToken: () => {
        throw boom;
      },
    });
    await expect(client.getUnlimitedWxacode(mini, 's')).rejects.toBe(boom);
    expect(warnings).toEqual([]);
  });
});
