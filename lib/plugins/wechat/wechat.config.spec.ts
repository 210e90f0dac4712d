import { describe, expect, it } from 'vitest';
import { resolveQrLoginWechatConfig } from './wechat.config';
import { QrLoginWechatConfigError } from './wechat.errors';
import type { QrLoginWechatModuleOptions, WechatConnection } from './interfaces/wechat-options.interface';

const mini: WechatConnection = { id: 'mini', type: 'WECHAT_MINIPROGRAM', appId: 'wx1', appSecret: 's1' };
const oa: WechatConnection = { id: 'oa', type: 'WECHAT_OFFICIAL_ACCOUNT', appId: 'wx2', appSecret: 's2', token: 't' };
const base = (extra: Partial<QrLoginWechatModuleOptions> = {}): QrLoginWechatModuleOptions => ({
  connections: [mini, oa],
  findOrCreateUser: () => ({ id: 'u' }),
  ...extra,
});

describe('resolveQrLoginWechatConfig', () => {
  it('fills in the documented defaults', () => {
    const config = resolveQrLoginWechatConfig(base());
    expect(config).toMatchObject({
      baseUrl: 'https://api.weixin.qq.com',
      showQrCodeUrl: 'https://mp.weixin.qq.com/cgi-bin/showqrcode',
      accessTokenEndpoint: 'stable_token',
      accessTokenRefreshMarginMs: 300_000,
      requestTimeoutMs: 10_000,
      logoSize: 0.45,
      maxWebhookBodyBytes: 65_536,
      routePrefix: 'qr-login',
      routePrefixGiven: false,
    });
    expect(config.connections.map((c) => c.enabled)).toEqual([true, true]);
    expect(resolveQrLoginWechatConfig(base({ baseUrl: 'http://127.0.0.1:9/wx/' })).baseUrl).toBe(
      'http://127.0.0.1:9/wx',
    );
  });

  const refusals: [string, unknown, RegExp][] = [
    ['no options', undefined, /no options were given/],
    ['no connections', base({ connections: [] }), /"connections" must list at least one/],
    ['an id unfit for URLs', base({ connections: [{ ...mini, id: 'a b' }] }), /"id" must be 1 to 64 letters/],
    ['two connections with one id', base({ connections: [mini, { ...mini }] }), /two connections have the id "mini"/],
    ['an unknown type', base({ connections: [{ ...mini, type: 'MOBILE_APP' as never }] }), /"type" must be/],
    [
      'no app secret',
      base({ connections: [{ ...mini, appSecret: '' }] }),
      /connection "mini": "appSecret" must be a non-empty string/,
    ],
    [
      'an official account without token',
      base({ connections: [{ ...oa, token: undefined as never }] }),
      /connection "oa": "token"/,
    ],
    [
      'a short EncodingAESKey',
      base({ connections: [{ ...oa, encodingAESKey: 'short' }] }),
      /"encodingAESKey" must be the 43/,
    ],
    ['a page with a leading slash', base({ connections: [{ ...mini, page: '/pages/x' }] }), /without a leading slash/],
    ['an unknown envVersion', base({ connections: [{ ...mini, envVersion: 'beta' as never }] }), /"envVersion"/],
    [
      'a width out of WeChat range',
      base({ connections: [{ ...mini, width: 100 }] }),
      /"width" must be a whole number of pixels from 280 to 1280/,
    ],
    ['a logo that is no URL', base({ connections: [{ ...mini, logoUrl: 'logo.png' }] }), /"logoUrl"/],
    ['no findOrCreateUser', base({ findOrCreateUser: undefined as never }), /"findOrCreateUser" is required/],
    ['a baseUrl with a query', base({ baseUrl: 'https://x.test/?a=1' }), /"baseUrl" must be an http\(s\) URL/],
    ['an unknown token endpoint', base({ accessTokenEndpoint: 'oauth' as never }), /"accessTokenEndpoint"/],
    ['a logo bigger than half the code', base({ logoSize: 0.8 }), /"logoSize"/],
    ['a routePrefix inside the options', { ...base(), routePrefix: 'x' }, /module setting/],
  ];
  it.each(refusals)('refuses %s with a message that says how to fix it', (_what, options, message) => {
    expect(() => resolveQrLoginWechatConfig(options as QrLoginWechatModuleOptions)).toThrow(QrLoginWechatConfigError);
    expect(() => resolveQrLoginWechatConfig(options as QrLoginWechatModuleOptions)).toThrow(message);
  });

  it('never puts a secret in its messages', () => {
    try {
      resolveQrLoginWechatConfig(base({ connections: [{ ...mini, appSecret: 'TOPSECRET', width: 1 }] }));
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/^QrLoginWechatModule is misconfigured: /);
      expect((error as Error).message).not.toContain('TOPSECRET');
    }
  });
});
