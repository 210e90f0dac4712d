import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/manual-clock';
import type { FakeWechatServer } from '../../../test/wechat/fake-wechat.server';
import { MINI, MINI_B, startFakeWechat } from '../../../test/wechat/wechat-test-app';
import { WechatAccessTokenCache } from './wechat-access-token.cache';
import { callWechat, wechatApiErrorOf } from './wechat-api.transport';
import { resolveQrLoginWechatConfig, type ResolvedQrLoginWechatConfig } from './wechat.config';
import { WechatApiError } from './wechat.errors';
import type { QrLoginWechatModuleOptions, WechatConnection } from './interfaces/wechat-options.interface';

/*
 * The access-token cache against the local fake WeChat server: one fetch per
 * app for concurrent callers, reuse until the refresh time (tried at and one
 * millisecond short of it, on a manual clock), and one retry with a new
 * token when WeChat calls the token stale.
 */

const mini: WechatConnection = { type: 'WECHAT_MINIPROGRAM', ...MINI };
const miniB: WechatConnection = { type: 'WECHAT_MINIPROGRAM', ...MINI_B };

/** A logger that keeps its warnings. */
class RecordingLogger extends Logger {
  readonly warnings: string[] = [];
  override warn(message: string): void {
    this.warnings.push(message);
  }
}

let fake: FakeWechatServer;
let clock: ManualClock;
let logger: RecordingLogger;

beforeEach(async () => {
  fake = await startFakeWechat();
  clock = new ManualClock();
  logger = new RecordingLogger();
});
afterEach(() => fake.stop());

function configOf(options: Partial<QrLoginWechatModuleOptions> = {}): ResolvedQrLoginWechatConfig {
  return resolveQrLoginWechatConfig({
    connections: [mini, miniB],
    findOrCreateUser: () => ({ id: 'u' }),
    baseUrl: fake.url,
    ...options,
  });
}

function cacheOf(options: Partial<QrLoginWechatModuleOptions> = {}): WechatAccessTokenCache {
  const cache = new WechatAccessTokenCache(configOf(options), logger);
  cache.useClock(clock);
  return cache;
}

/** The eight bytes every PNG starts with. */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const stableFetches = () => fake.count('cgi-bin/stable_token');
const plainFetches = () => fake.count('cgi-bin/token');

/** A real WeChat API call with the token: an image, or the WechatApiError WeChat's errcode makes. */
async function wxacode(token: string): Promise<string> {
  const api = 'wxa/getwxacodeunlimit';
  const answer = await callWechat(configOf(), api, {
    method: 'POST',
    query: { access_token: token },
    json: { scene: 'abc', check_path: false },
  });
  if (!answer.image) throw wechatApiErrorOf(api, answer.json);
  return token;
}

/** The errcode a promise was refused with, or `resolved`. */
const errcodeOf = (run: Promise<unknown>): Promise<number | string> =>
  run.then(
    () => 'resolved',
    (error: unknown) => (error instanceof WechatApiError ? error.errcode : String(error)),
  );

describe('WechatAccessTokenCache.get', () => {
  it("fetches an app's token once and reuses it; another app has its own", async () => {
    const cache = cacheOf();
    const token = await cache.get(mini);
    expect(token).toMatch(new RegExp(`^${MINI.appId}\\.[0-9a-f]{48}$`));
    expect(await cache.get(mini)).toBe(token);
    expect(cache.cachedValue(MINI.appId)).toBe(token);
    expect(cache.cachedValue(MINI_B.appId)).toBeUndefined();
    expect(stableFetches()).toBe(1);
    const other = await cache.get(miniB);
    expect(other).toMatch(new RegExp(`^${MINI_B.appId}\\.`));
    expect(stableFetches()).toBe(2);
    expect(await wxacode(token)).toBe(token);
  });

  it('shares one fetch among concurrent callers, and fetches anew once that one is done', async () => {
    const cache = cacheOf({ accessTokenEndpoint: 'token' });
    const tokens = await Promise.all(Array.from({ length: 5 }, () => cache.get(mini)));
    expect(new Set(tokens).size).toBe(1);
    expect(plainFetches()).toBe(1);
    const [a, b] = await Promise.all([cache.get(mini), cache.get(miniB)]);
    expect(a).toBe(tokens[0]);
    expect(b).toMatch(new RegExp(`^${MINI_B.appId}\\.`));
    expect(plainFetches()).toBe(2);
    // Past the refresh time: a new fetch, not the finished one again.
    clock.advance(7_200_000);
    expect(await cache.get(mini)).not.toBe(tokens[0]);
    expect(plainFetches()).toBe(3);
  });

  it('refreshes the margin ahead of expiry: reused one millisecond before, fetched at the refresh time', async () => {
    const cache = cacheOf({ accessTokenEndpoint: 'token', accessTokenRefreshMargin: 300 });
    const first = await cache.get(mini);
    clock.advance(7_200_000 - 300_000 - 1);
    expect(await cache.get(mini)).toBe(first);
    expect(plainFetches()).toBe(1);
    clock.advance(1);
    const second = await cache.get(mini);
    expect(second).not.toBe(first);
    expect(plainFetches()).toBe(2);
    expect(cache.cachedValue(MINI.appId)).toBe(second);
  });

  it('refreshes a short-lived token at half its life when the margin is longer', async () => {
    fake.tokenTtl = 2;
    const cache = cacheOf({ accessTokenEndpoint: 'token', accessTokenRefreshMargin: 300 });
    const first = await cache.get(mini);
    clock.advance(999);
    expect(await cache.get(mini)).toBe(first);
    clock.advance(1);
    expect(await cache.get(mini)).not.toBe(first);
    expect(plainFetches()).toBe(2);
  });

  it('keeps a token its whole life with a margin of 0', async () => {
    fake.tokenTtl = 10;
    const cache = cacheOf({ accessTokenEndpoint: 'token', accessTokenRefreshMargin: 0 });
    const first = await cache.get(mini);
    clock.advance(10_000 - 1);
    expect(await cache.get(mini)).toBe(first);
    clock.advance(1);
    expect(await cache.get(mini)).not.toBe(first);
  });

  it('assumes 7200 s when the answer has no expires_in, a negative one or one that is no number', async () => {
    for (const expiresIn of [undefined, -1, '10']) {
      fake.tokenFields = { expires_in: expiresIn };
      const cache = cacheOf({ accessTokenEndpoint: 'token', accessTokenRefreshMargin: 0 });
      const before = plainFetches();
      const first = await cache.get(mini);
      clock.advance(7_200_000 - 1);
      expect(await cache.get(mini)).toBe(first);
      clock.advance(1);
      expect(await cache.get(mini)).not.toBe(first);
      expect(plainFetches() - before).toBe(2);
    }
  });

  it('refuses an answer with an empty or no access token, with the errcode WeChat gave', async () => {
    const cache = cacheOf({ accessTokenEndpoint: 'token' });
    fake.tokenFields = { access_token: '', errcode: 0 };
    expect(await errcodeOf(cache.get(mini))).toBe(-1);
    fake.tokenFields = { access_token: undefined, errcode: 40164, errmsg: 'invalid ip' };
    expect(await errcodeOf(cache.get(mini))).toBe(40164);
    expect(cache.cachedValue(MINI.appId)).toBeUndefined();
  });

  it('refuses a JSON null or an image as the answer, as an answer without the expected fields', async () => {
    for (const [type, body] of [
      ['application/json', 'null'],
      ['image/png', PNG_SIGNATURE],
    ] as const) {
      const odd = createServer((_request, response) => response.setHeader('content-type', type).end(body));
      await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
      try {
        const port = (odd.address() as AddressInfo).port;
        const cache = new WechatAccessTokenCache(
          configOf({ accessTokenEndpoint: 'token', baseUrl: `http://127.0.0.1:${port}` }),
          logger,
        );
        const refused = await cache.get(mini).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(WechatApiError);
        expect((refused as WechatApiError).message).toBe(
          'WeChat cgi-bin/token answered errcode -1: an answer without the expected fields',
        );
      } finally {
        await new Promise((resolve) => odd.close(resolve));
      }
    }
  });

  it('takes an expires_in of 0 as it is: the token is fetched again at once', async () => {
    fake.tokenTtl = 0;
    const cache = cacheOf({ accessTokenEndpoint: 'token' });
    const first = await cache.get(mini);
    expect(await cache.get(mini)).not.toBe(first);
    expect(plainFetches()).toBe(2);
  });

  it('asks both endpoints with client_credential and the app secret', async () => {
    const wrong = { ...mini, appSecret: 'not-the-secret' };
    expect(await errcodeOf(cacheOf().get(wrong))).toBe(40125);
    expect(await errcodeOf(cacheOf({ accessTokenEndpoint: 'token' }).get(wrong))).toBe(40125);
    expect(await cacheOf({ accessTokenEndpoint: 'token' }).get(mini)).toMatch(/^wxmini0000000001\./);
  });

  it("caches no failure: WeChat's errcode leaves, and the next call fetches again", async () => {
    const cache = cacheOf();
    fake.failNext('cgi-bin/stable_token', 45009);
    expect(await errcodeOf(cache.get(mini))).toBe(45009);
    expect(cache.cachedValue(MINI.appId)).toBeUndefined();
    expect(await cache.get(mini)).toMatch(/^wxmini0000000001\./);
    expect(stableFetches()).toBe(2);
  });

  it('measures on the wall clock until it is given the kernel clock', async () => {
    const cache = new WechatAccessTokenCache(configOf({ accessTokenEndpoint: 'token' }), logger);
    const first = await cache.get(mini);
    expect(await cache.get(mini)).toBe(first);
    expect(plainFetches()).toBe(1);
  });
});

describe('WechatAccessTokenCache.withToken', () => {
  it('runs the call with the cached token', async () => {
    const cache = cacheOf();
    const token = await cache.get(mini);
    expect(await cache.withToken(mini, wxacode)).toBe(token);
    expect(stableFetches()).toBe(1);
    expect(logger.warnings).toEqual([]);
  });

  it.each([40001, 40014, 42001])(
    'fetches a new token once and runs the call again after errcode %i',
    async (errcode) => {
      const cache = cacheOf({ accessTokenEndpoint: 'token' });
      const first = await cache.get(mini);
      fake.failNext('wxa/getwxacodeunlimit', errcode);
      const used = await cache.withToken(mini, wxacode);
      expect(used).not.toBe(first);
      expect(cache.cachedValue(MINI.appId)).toBe(used);
      expect(plainFetches()).toBe(2);
      expect(fake.count('wxa/getwxacodeunlimit')).toBe(2);
      expect(logger.warnings).toEqual([
        `WeChat called the access token of app ${MINI.appId} stale (errcode ${errcode}); fetching a new one.`,
      ]);
    },
  );

  it('retries only once: a second stale answer leaves', async () => {
    const cache = cacheOf({ accessTokenEndpoint: 'token' });
    fake.failNext('wxa/getwxacodeunlimit', 40001).failNext('wxa/getwxacodeunlimit', 40001);
    expect(await errcodeOf(cache.withToken(mini, wxacode))).toBe(40001);
    expect(fake.count('wxa/getwxacodeunlimit')).toBe(2);
    expect(plainFetches()).toBe(2);
  });

  it('leaves any other error as it is, without a new token', async () => {
    const cache = cacheOf();
    fake.failNext('wxa/getwxacodeunlimit', 45009);
    expect(await errcodeOf(cache.withToken(mini, wxacode))).toBe(45009);
    const plain = new Error('not from WeChat');
    await expect(
      cache.withToken(mini, () => {
        throw plain;
      }),
    ).rejects.toBe(plain);
    expect(stableFetches()).toBe(1);
    expect(logger.warnings).toEqual([]);
  });

  it('recovers from a token revoked elsewhere with a fresh one, without a forced refresh', async () => {
    const cache = cacheOf();
    const first = await cache.get(mini);
    fake.revokeTokens();
    const used = await cache.withToken(mini, wxacode);
    expect(used).not.toBe(first);
    expect(fake.forcedRefreshes).toBe(0);
    expect(stableFetches()).toBe(2);
  });

  it('forces a stable_token refresh when WeChat hands back the very token it refused', async () => {
    const cache = cacheOf();
    const first = await cache.get(mini);
    // The call calls the token stale while stable_token still hands it out.
    fake.failNext('wxa/getwxacodeunlimit', 40001);
    const used = await cache.withToken(mini, wxacode);
    expect(used).not.toBe(first);
    expect(fake.forcedRefreshes).toBe(1);
    expect(stableFetches()).toBe(3);
    expect(cache.cachedValue(MINI.appId)).toBe(used);
  });

  it('fetches once from the classic endpoint even when it hands back the very token refused: it has no forced refresh', async () => {
    const cache = cacheOf({ accessTokenEndpoint: 'token' });
    fake.tokenFields = { access_token: 'the-same-token' };
    let calls = 0;
    const used = await cache.withToken(mini, async (token) => {
      if (++calls === 1) throw new WechatApiError('wxa/getwxacodeunlimit', 40001, 'invalid credential');
      return token;
    });
    expect(used).toBe('the-same-token');
    expect(calls).toBe(2);
    expect(plainFetches()).toBe(2);
    expect(stableFetches()).toBe(0);
  });

  /** A call that holds `first` until `release()`, then hears it refused (40001); a later token it returns as is. */
  function slowCallerRefused(cache: ReturnType<typeof cacheOf>, first: string) {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = cache.withToken(mini, async (token) => {
      if (token === first) {
        await gate;
        throw new WechatApiError('wxa/getwxacodeunlimit', 40001, 'invalid credential');
      }
      return token;
    });
    return { slow, release };
  }

  it('uses the token another caller fetched after the same rejection, without fetching again', async () => {
    const cache = cacheOf({ accessTokenEndpoint: 'token' });
    // A slow caller holds the first token while another one gets it refused and replaced.
    const { slow, release } = slowCallerRefused(cache, await cache.get(mini));
    fake.failNext('wxa/getwxacodeunlimit', 40001);
    const replaced = await cache.withToken(mini, wxacode);
    expect(plainFetches()).toBe(2);
    release();
    expect(await slow).toBe(replaced);
    expect(plainFetches()).toBe(2);
  });

  it("fetches anew after a rejection when the other caller's token is due for refresh too", async () => {
    const cache = cacheOf({ accessTokenEndpoint: 'token', accessTokenRefreshMargin: 300 });
    const { slow, release } = slowCallerRefused(cache, await cache.get(mini));
    fake.failNext('wxa/getwxacodeunlimit', 40001);
    const replaced = await cache.withToken(mini, wxacode);
    // The replacement reaches its refresh time (7200 s less the 300 s margin) before the slow caller hears back.
    clock.advance(7_200_000 - 300_000);
    fake.failNext('cgi-bin/token', 45009);
    release();
    expect(await errcodeOf(slow)).toBe(45009);
    // The replacement, stale but not the refused token, stays until a fetch replaces it.
    expect(cache.cachedValue(MINI.appId)).toBe(replaced);
    expect(await cache.get(mini)).not.toBe(replaced);
    expect(plainFetches()).toBe(4);
  });

  it('drops the refused token even when fetching its successor fails', async () => {
    const cache = cacheOf({ accessTokenEndpoint: 'token' });
    const first = await cache.get(mini);
    fake.failNext('wxa/getwxacodeunlimit', 40001).failNext('cgi-bin/token', -1);
    expect(await errcodeOf(cache.withToken(mini, wxacode))).toBe(-1);
    expect(cache.cachedValue(MINI.appId)).toBeUndefined();
    expect(await cache.get(mini)).not.toBe(first);
    expect(plainFetches()).toBe(3);
  });
});

describe('WechatAccessTokenCache with the getAccessToken option', () => {
  it("asks the app's function every time, with forceRefresh only after a stale answer, and caches nothing", async () => {
    const asked: Array<[string, boolean]> = [];
    let n = 0;
    const cache = cacheOf({
      getAccessToken: async (connection, { forceRefresh }) => {
        asked.push([connection.id, forceRefresh]);
        return `supplied-${++n}`;
      },
    });
    expect(await cache.get(mini)).toBe('supplied-1');
    expect(await cache.get(mini)).toBe('supplied-2');
    expect(cache.cachedValue(MINI.appId)).toBeUndefined();
    const seen: string[] = [];
    const result = await cache.withToken(mini, async (token) => {
      seen.push(token);
      if (seen.length === 1) throw new WechatApiError('wxa/getwxacodeunlimit', 40001, 'invalid credential');
      return 'done';
    });
    expect(result).toBe('done');
    expect(seen).toEqual(['supplied-3', 'supplied-4']);
    expect(asked).toEqual([
      ['mini', false],
      ['mini', false],
      ['mini', false],
      ['mini', true],
    ]);
    expect(stableFetches()).toBe(0);
  });

  it('refuses an empty or missing token from the function, naming the connection', async () => {
    for (const token of ['', undefined, 42]) {
      const cache = cacheOf({ getAccessToken: async () => token as string });
      await expect(cache.get(mini)).rejects.toThrow(
        'The getAccessToken option returned no token for connection "mini"; it must resolve to the access token string.',
      );
    }
  });
});
