import { describe, expect, it } from 'vitest';
import { configRefusal } from '../../../test/wechat/config-refusal';
import { resolveQrLoginWechatConfig, wechatRoutePrefix } from './wechat.config';
import { QrLoginWechatConfigError } from './wechat.errors';
import type {
  QrLoginWechatModuleExtras,
  QrLoginWechatModuleOptions,
  WechatConnection,
} from './interfaces/wechat-options.interface';

/*
 * The module's own options, each check at its edges: the exact message a
 * refusal gives, what is accepted at and one step past each limit, and the
 * resolved config with every default filled in.
 */

const mini: WechatConnection = { id: 'mini', type: 'WECHAT_MINIPROGRAM', appId: 'wx1', appSecret: 's1' };
const oa: WechatConnection = { id: 'oa', type: 'WECHAT_OFFICIAL_ACCOUNT', appId: 'wx2', appSecret: 's2', token: 't' };
const findOrCreateUser = () => ({ id: 'u' });
const base = (extra: Record<string, unknown> = {}): QrLoginWechatModuleOptions =>
  ({ connections: [mini, oa], findOrCreateUser, ...extra }) as QrLoginWechatModuleOptions;

/** The message the options are refused with, without the module's prefix; 'ok' when accepted. */
function refusal(options: unknown, extras?: QrLoginWechatModuleExtras): string {
  return configRefusal(() => resolveQrLoginWechatConfig(options as QrLoginWechatModuleOptions, extras));
}
const resolved = (extra: Record<string, unknown>, extras?: QrLoginWechatModuleExtras) =>
  resolveQrLoginWechatConfig(base(extra), extras);

const DEFAULTS = {
  connections: [
    { ...mini, enabled: true },
    { ...oa, enabled: true },
  ],
  findOrCreateUser,
  baseUrl: 'https://api.weixin.qq.com',
  showQrCodeUrl: 'https://mp.weixin.qq.com/cgi-bin/showqrcode',
  accessTokenEndpoint: 'stable_token',
  accessTokenRefreshMarginMs: 300_000,
  getAccessToken: undefined,
  requestTimeoutMs: 10_000,
  logoSize: 0.45,
  maxWebhookBodyBytes: 65_536,
  pushTimestampWindowMs: 300_000,
  confirmationTimeoutMs: 120_000,
  confirmKeyword: 'OK',
  routePrefix: 'qr-login',
  routePrefixGiven: false,
};

describe('resolveQrLoginWechatConfig', () => {
  it('fills in every documented default, and nothing else', () => {
    expect(resolveQrLoginWechatConfig(base())).toStrictEqual(DEFAULTS);
    expect(resolveQrLoginWechatConfig(base(), {})).toStrictEqual(DEFAULTS);
    expect(resolved({ accessTokenEndpoint: null, accessTokenRefreshMargin: null, maxWebhookBodyBytes: null })).toEqual(
      DEFAULTS,
    );
    expect(resolved({ confirmKeyword: null }).confirmKeyword).toBe('OK');
  });

  it('keeps every option given, converting seconds to milliseconds', () => {
    const getAccessToken = () => 'token';
    const replyText = () => 'text';
    expect(
      resolved(
        {
          connections: [{ ...mini, enabled: false }],
          baseUrl: 'http://127.0.0.1:9/wx',
          showQrCodeUrl: 'https://qr.test/show',
          accessTokenEndpoint: 'token',
          accessTokenRefreshMargin: 1.5,
          getAccessToken,
          requestTimeout: 2.5,
          logoSize: 0.2,
          maxWebhookBodyBytes: 1024,
          pushTimestampWindow: 60,
          confirmationTimeout: 30,
          confirmKeyword: ' Yes ',
          replyText,
        },
        { routePrefix: '/auth/qr/' },
      ),
    ).toStrictEqual({
      connections: [{ ...mini, enabled: false }],
      findOrCreateUser,
      baseUrl: 'http://127.0.0.1:9/wx',
      showQrCodeUrl: 'https://qr.test/show',
      accessTokenEndpoint: 'token',
      accessTokenRefreshMarginMs: 1500,
      getAccessToken,
      requestTimeoutMs: 2500,
      logoSize: 0.2,
      maxWebhookBodyBytes: 1024,
      pushTimestampWindowMs: 60_000,
      confirmationTimeoutMs: 30_000,
      confirmKeyword: 'Yes',
      replyText,
      routePrefix: 'auth/qr',
      routePrefixGiven: true,
    });
  });

  it('needs an options object', () => {
    const message =
      'no options were given. Call QrLoginWechatModule.forRoot({ connections: [...], findOrCreateUser }) or make the forRootAsync factory return an options object.';
    for (const options of [undefined, null, 'options', 42, () => base()]) expect(refusal(options)).toBe(message);
  });

  it('sends the module settings beside the factory, before naming unknown keys', () => {
    const setting = (key: string) =>
      `"${key}" is a module setting and is ignored inside the options object; pass it beside the factory: QrLoginWechatModule.forRootAsync({ ${key}: ..., useFactory }).`;
    expect(refusal({ ...base(), routePrefix: 'x' })).toBe(setting('routePrefix'));
    expect(refusal({ ...base(), routeDecorators: [] })).toBe(setting('routeDecorators'));
    expect(refusal({ colour: 1, routeDecorators: undefined })).toBe(setting('routeDecorators'));
  });

  it('names an unknown option and lists the options, before checking any value', () => {
    const list =
      'connections, findOrCreateUser, baseUrl, showQrCodeUrl, accessTokenEndpoint, accessTokenRefreshMargin, getAccessToken, requestTimeout, logoSize, maxWebhookBodyBytes, pushTimestampWindow, confirmationTimeout, confirmKeyword, replyText';
    expect(refusal({ ...base(), requestTimeoutMs: 5 })).toBe(
      `"requestTimeoutMs" is not an option; the options are ${list}.`,
    );
    expect(refusal({ connections: [], colour: 'red' })).toBe(`"colour" is not an option; the options are ${list}.`);
  });

  it('checks the connections first, then findOrCreateUser', () => {
    expect(refusal({ connections: [], findOrCreateUser: 'x' })).toBe(
      '"connections" must list at least one WeChat app, e.g. [{ id: "mini", type: "WECHAT_MINIPROGRAM", appId: "wx…", appSecret: "…" }].',
    );
    const message =
      '"findOrCreateUser" is required: a function of { openid, unionid, connectionId, context } that returns your app user (or null to refuse).';
    expect(refusal(base({ findOrCreateUser: undefined }))).toBe(message);
    expect(refusal(base({ findOrCreateUser: { id: 'u' } }))).toBe(message);
  });

  it('takes getAccessToken and replyText as functions only', () => {
    const token = '"getAccessToken" must be a function of (connection, { forceRefresh }) returning the access token.';
    expect(refusal(base({ getAccessToken: 'secret' }))).toBe(token);
    expect(refusal(base({ getAccessToken: null }))).toBe(token);
    const text = '"replyText" must be a function of the reply ({ kind, appName, … }) returning its text.';
    expect(refusal(base({ replyText: 'OK' }))).toBe(text);
    expect(refusal(base({ replyText: null }))).toBe(text);
    expect(resolved({ getAccessToken: undefined, replyText: undefined })).toStrictEqual(DEFAULTS);
  });

  it('takes the two token endpoints only', () => {
    expect(resolved({ accessTokenEndpoint: 'stable_token' }).accessTokenEndpoint).toBe('stable_token');
    expect(resolved({ accessTokenEndpoint: 'token' }).accessTokenEndpoint).toBe('token');
    expect(refusal(base({ accessTokenEndpoint: 'oauth' }))).toBe(
      '"accessTokenEndpoint" must be "stable_token" or "token"; got "oauth".',
    );
  });

  it('takes a refresh margin of 0 seconds or more, and shows what it got with its type', () => {
    expect(resolved({ accessTokenRefreshMargin: 0 }).accessTokenRefreshMarginMs).toBe(0);
    expect(resolved({ accessTokenRefreshMargin: 7200 }).accessTokenRefreshMarginMs).toBe(7_200_000);
    const message = (got: string) =>
      `"accessTokenRefreshMargin" must be a number of seconds of at least 0; got ${got}.`;
    expect(refusal(base({ accessTokenRefreshMargin: -0.001 }))).toBe(message('-0.001'));
    expect(refusal(base({ accessTokenRefreshMargin: Number.NaN }))).toBe(message('NaN'));
    expect(refusal(base({ accessTokenRefreshMargin: Number.POSITIVE_INFINITY }))).toBe(message('Infinity'));
    expect(refusal(base({ accessTokenRefreshMargin: '90' }))).toBe(message('the string "90"'));
    expect(refusal(base({ accessTokenRefreshMargin: { seconds: 90 } }))).toBe(message('an object'));
    expect(refusal(base({ accessTokenRefreshMargin: [90] }))).toBe(message('an object'));
    expect(refusal(base({ accessTokenRefreshMargin: true }))).toBe(message('true'));
  });

  it('takes a webhook body limit of a whole 512 bytes or more', () => {
    expect(resolved({ maxWebhookBodyBytes: 512 }).maxWebhookBodyBytes).toBe(512);
    const message = (got: string) =>
      `"maxWebhookBodyBytes" must be a whole number of bytes of at least 512; got ${got}.`;
    expect(refusal(base({ maxWebhookBodyBytes: 511 }))).toBe(message('511'));
    expect(refusal(base({ maxWebhookBodyBytes: 1024.5 }))).toBe(message('1024.5'));
    expect(refusal(base({ maxWebhookBodyBytes: Number.POSITIVE_INFINITY }))).toBe(message('Infinity'));
    expect(refusal(base({ maxWebhookBodyBytes: '1024' }))).toBe(message('the string "1024"'));
  });

  it('takes a confirm keyword of 1 to 32 characters, trimmed, not only digits', () => {
    expect(resolved({ confirmKeyword: 'x' }).confirmKeyword).toBe('x');
    expect(resolved({ confirmKeyword: 'k'.repeat(32) }).confirmKeyword).toBe('k'.repeat(32));
    expect(resolved({ confirmKeyword: ` ${'k'.repeat(32)} ` }).confirmKeyword).toBe('k'.repeat(32));
    for (const keyword of ['OK1', '1OK', '是'])
      expect(resolved({ confirmKeyword: keyword }).confirmKeyword).toBe(keyword);
    const message = (got: string) =>
      `"confirmKeyword" must be 1 to 32 characters and not only digits (digits are the number-matching answer); got ${got}.`;
    for (const keyword of ['', '   ', 'k'.repeat(33), '7', '12', ' 12 '])
      expect(refusal(base({ confirmKeyword: keyword }))).toBe(message(JSON.stringify(keyword)));
    expect(refusal(base({ confirmKeyword: 5 }))).toBe(message('5'));
  });

  const numbers: [string, string, number, string][] = [
    ['requestTimeout', 'requestTimeoutMs', 300, 'seconds'],
    ['logoSize', 'logoSize', 0.5, 'image widths'],
    ['pushTimestampWindow', 'pushTimestampWindowMs', 3600, 'seconds'],
    ['confirmationTimeout', 'confirmationTimeoutMs', 86_400, 'seconds'],
  ];
  it.each(numbers)('takes %s above 0 and at most its limit', (name, field, max, unit) => {
    const ms = unit === 'seconds' ? 1000 : 1;
    const got = (value: number) => (resolved({ [name]: value }) as unknown as Record<string, number>)[field];
    expect(got(max)).toBe(max * ms);
    expect(got(0.001)).toBeCloseTo(0.001 * ms, 9);
    const message = (shown: string) =>
      `"${name}" must be a number of ${unit} above 0 and at most ${max}; got ${shown}.`;
    expect(refusal(base({ [name]: max + 0.001 }))).toBe(message(String(max + 0.001)));
    expect(refusal(base({ [name]: 0 }))).toBe(message('0'));
    expect(refusal(base({ [name]: -1 }))).toBe(message('-1'));
    expect(refusal(base({ [name]: Number.NaN }))).toBe(message('NaN'));
    expect(refusal(base({ [name]: Number.POSITIVE_INFINITY }))).toBe(message('Infinity'));
    expect(refusal(base({ [name]: '0.2' }))).toBe(message('the string "0.2"'));
    expect(refusal(base({ [name]: null }))).toBe(message('null'));
    expect(refusal(base({ [name]: {} }))).toBe(message('an object'));
  });

  const urls: [string, string][] = [
    ['baseUrl', 'https://api.weixin.qq.com'],
    ['showQrCodeUrl', 'https://mp.weixin.qq.com/cgi-bin/showqrcode'],
  ];
  it.each(urls)('takes %s as an http(s) URL without query, trailing slashes dropped', (name, fallback) => {
    const got = (value: unknown) => (resolved({ [name]: value }) as unknown as Record<string, string>)[name];
    expect(got('http://127.0.0.1:9')).toBe('http://127.0.0.1:9');
    expect(got('https://x.test/wx/')).toBe('https://x.test/wx');
    expect(got('HTTPS://x.test/a//')).toBe('HTTPS://x.test/a');
    expect(got('https://x.test/a/b')).toBe('https://x.test/a/b');
    const message = (value: string) =>
      `"${name}" must be an http(s) URL without query, such as "${fallback}"; got ${value}.`;
    for (const value of ['ftp://x.test', 'not a url', 'https://x.test/?a=1', 'https://x.test/#top', ''])
      expect(refusal(base({ [name]: value }))).toBe(message(JSON.stringify(value)));
    expect(refusal(base({ [name]: 42 }))).toBe(message('42'));
    expect(refusal(base({ [name]: null }))).toBe(message('null'));
    expect(refusal(base({ [name]: new URL('https://x.test/') }))).toBe(message('"https://x.test/"'));
    expect(refusal(base({ [name]: ['https://x.test'] }))).toBe(message('["https://x.test"]'));
  });

  it('normalizes the route prefix beside the options, and says whether it was given', () => {
    expect(resolved({}, { routePrefix: 'auth/qr' })).toStrictEqual({
      ...DEFAULTS,
      routePrefix: 'auth/qr',
      routePrefixGiven: true,
    });
    expect(resolved({}, { routePrefix: null as never })).toMatchObject({
      routePrefix: 'qr-login',
      routePrefixGiven: true,
    });
    expect(refusal(base(), { routePrefix: 'a b' })).toBe(
      '"routePrefix" must be a URL path such as "qr-login" or "auth/qr"; got "a b".',
    );
  });
});

describe('wechatRoutePrefix', () => {
  it('normalizes as the core does, with the WeChat module named in a refusal', () => {
    expect(wechatRoutePrefix(undefined)).toBe('qr-login');
    expect(wechatRoutePrefix(null)).toBe('qr-login');
    expect(wechatRoutePrefix('/auth/qr/')).toBe('auth/qr');
    expect(wechatRoutePrefix('')).toBe('');
    expect(() => wechatRoutePrefix('a//b')).toThrow(
      new QrLoginWechatConfigError('"routePrefix" must be a URL path such as "qr-login" or "auth/qr"; got "a//b".'),
    );
    expect(() => wechatRoutePrefix(7)).toThrow(QrLoginWechatConfigError);
  });

  it('never puts a secret in its messages', () => {
    const message = refusal(base({ connections: [{ ...mini, appSecret: 'TOPSECRET', width: 1 }] }));
    expect(message).toBe(
      'connection "mini": "width" must be a whole number of pixels from 280 to 1280 (WeChat\'s limits); got 1.',
    );
  });
});
