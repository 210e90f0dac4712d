import { afterEach, describe, expect, it } from 'vitest';
import { pluginKernel, type PluginKernel } from '../../../test/support/plugin-kernel';
import { QrLoginStoreUnavailableError } from '../../plugin';
import { resolveQrLoginWechatConfig } from './wechat.config';
import { WechatLoginContext } from './wechat-login.context';
import type { WechatConnection } from './interfaces/wechat-options.interface';

/*
 * What the WeChat flows share: the kernel reached once the app started, the
 * connection a request names (or the first enabled one), the app user
 * findOrCreateUser gives, and which codes are live.
 */

const mini = { id: 'mini', type: 'WECHAT_MINIPROGRAM', appId: 'wx1', appSecret: 's1' } as WechatConnection;
const off = { ...mini, id: 'mini-off', enabled: false } as WechatConnection;
const oa = { id: 'oa', type: 'WECHAT_OFFICIAL_ACCOUNT', appId: 'wx2', appSecret: 's2', token: 't' } as WechatConnection;

let k: PluginKernel | undefined;
afterEach(async () => {
  await k?.close();
  k = undefined;
});

const configOf = (findOrCreateUser: (identity: any) => unknown = () => ({ id: 'u' })) =>
  resolveQrLoginWechatConfig({ connections: [off, mini, { ...mini, id: 'mini-2' }, oa], findOrCreateUser });

describe('WechatLoginContext', () => {
  it('says how to fix a call before the application started', () => {
    const context = new WechatLoginContext(configOf());
    expect(context.hasCore).toBe(false);
    expect(() => context.core).toThrow(
      'QrLoginWechatService is not initialized yet; call it after the application has started (after onModuleInit).',
    );
  });

  it('finds the named enabled connection of a type, or the first enabled one', () => {
    const context = new WechatLoginContext(configOf());
    expect(context.connectionFor('WECHAT_MINIPROGRAM').id).toBe('mini');
    expect(context.connectionFor('WECHAT_MINIPROGRAM', 'mini-2').id).toBe('mini-2');
    expect(context.connectionFor('WECHAT_OFFICIAL_ACCOUNT').id).toBe('oa');
    for (const [type, id] of [
      ['WECHAT_MINIPROGRAM', 'mini-off'],
      ['WECHAT_MINIPROGRAM', 'oa'],
      ['WECHAT_OFFICIAL_ACCOUNT', 'mini'],
    ] as const) {
      expect(() => context.connectionFor(type, id)).toThrow(`No enabled ${type} connection has the id "${id}"`);
    }
    const none = new WechatLoginContext(resolveQrLoginWechatConfig({ connections: [mini], findOrCreateUser: () => 1 }));
    expect(() => none.connectionFor('WECHAT_OFFICIAL_ACCOUNT')).toThrow(
      'No enabled WECHAT_OFFICIAL_ACCOUNT connection is configured',
    );
  });

  it('asks findOrCreateUser with what is known, and takes null or false as a refusal', async () => {
    const asked: unknown[] = [];
    const answers: unknown[] = [null, false, 0, { id: 'u' }];
    const context = new WechatLoginContext(
      configOf((identity) => {
        asked.push(identity);
        return answers.shift();
      }),
    );
    const record = { qrcodeId: 'q1', context: { a: 1 }, customData: { b: 2 } } as any;
    expect(await context.appUserOf(mini, { openid: 'o', unionid: 'un' }, record)).toBeUndefined();
    expect(await context.appUserOf(mini, { openid: 'o' }, { qrcodeId: 'q2' } as any)).toBeUndefined();
    expect(await context.appUserOf(oa, { openid: 'o', unionid: '' }, record)).toBe(0);
    expect(await context.appUserOf(mini, { openid: 'o' }, record)).toEqual({ id: 'u' });
    expect(asked.slice(0, 3)).toStrictEqual([
      {
        openid: 'o',
        unionid: 'un',
        connectionId: 'mini',
        connectionType: 'WECHAT_MINIPROGRAM',
        appId: 'wx1',
        qrcodeId: 'q1',
        context: { a: 1 },
        customData: { b: 2 },
      },
      { openid: 'o', connectionId: 'mini', connectionType: 'WECHAT_MINIPROGRAM', appId: 'wx1', qrcodeId: 'q2' },
      {
        openid: 'o',
        connectionId: 'oa',
        connectionType: 'WECHAT_OFFICIAL_ACCOUNT',
        appId: 'wx2',
        qrcodeId: 'q1',
        context: { a: 1 },
        customData: { b: 2 },
      },
    ]);
  });

  it('limits nobody without the HTTP layer', async () => {
    await expect(new WechatLoginContext(configOf()).limitUser(mini, 'o')).resolves.toBeUndefined();
  });

  it('answers a live code, null for an unknown or expired one', async () => {
    k = await pluginKernel({ qrCodeTtl: 60 });
    const context = new WechatLoginContext(configOf(), k.kernel);
    const created = await k.kernel.create({}, {});
    expect((await context.liveCode(created.qrcodeId))?.qrcodeId).toBe(created.qrcodeId);
    const id = created.qrcodeId;
    // The same expiry, another random part: a code nobody made.
    expect(await context.liveCode(`${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    k.clock.advance(61_000);
    expect(await context.liveCode(created.qrcodeId)).toBeNull();
  });

  it('passes on any other refusal of the read, such as a store that cannot be reached', async () => {
    k = await pluginKernel();
    const context = new WechatLoginContext(configOf(), k.kernel);
    const created = await k.kernel.create({}, {});
    // What the Redis and PostgreSQL stores throw when their server cannot be reached.
    const unreachable = new QrLoginStoreUnavailableError('the store cannot be reached');
    k.store.get = () => Promise.reject(unreachable);
    await expect(context.liveCode(created.qrcodeId)).rejects.toMatchObject({
      name: 'QrLoginError',
      code: 'QR_STORE_UNAVAILABLE',
    });
  });
});
