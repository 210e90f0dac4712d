import type { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { QrLoginModule, type QrLoginModuleOptions } from '../../lib';
import {
  QrLoginWechatModule,
  type QrLoginWechatModuleOptions,
  type WechatConnection,
  type WechatUserIdentity,
} from '../../lib/plugins/wechat';
import { fixtureOptions, type AdapterName } from '../app/test-app';
import { FakeWechatServer } from './fake-wechat.server';

/** The WeChat apps of the fixture, registered in the fake server with these secrets. */
export const MINI = { id: 'mini', appId: 'wxmini0000000001', appSecret: 'mini-secret-0001' } as const;
export const MINI_B = { id: 'mini-b', appId: 'wxmini0000000002', appSecret: 'mini-secret-0002' } as const;
export const MINI_OFF = { id: 'mini-off', appId: 'wxmini0000000003', appSecret: 'mini-secret-0003' } as const;
export const OA = {
  id: 'oa',
  appId: 'wxoa00000000001',
  appSecret: 'oa-secret-00001',
  token: 'oaToken123',
  encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  originalId: 'gh_fake0account',
} as const;
/** WeChat's side of the safe mode of OA (what the fake server encrypts with). */
export const OA_AES = { encodingAESKey: OA.encodingAESKey, appId: OA.appId } as const;

/** The fixture's connections: a disabled one first, so "the first enabled one" is tested by every default. */
export function fixtureConnections(fake: FakeWechatServer): WechatConnection[] {
  return [
    { ...MINI_OFF, type: 'WECHAT_MINIPROGRAM', enabled: false },
    {
      ...MINI,
      type: 'WECHAT_MINIPROGRAM',
      page: 'pages/qr-login/index',
      envVersion: 'trial',
      logoUrl: `${fake.url}/logo.png`,
    },
    { ...MINI_B, type: 'WECHAT_MINIPROGRAM' },
    // Same app as "mini" (so it shares its access token), with a logo that cannot be loaded.
    { ...MINI, id: 'mini-bad-logo', type: 'WECHAT_MINIPROGRAM', logoUrl: `${fake.url}/no-such-logo.png` },
    // Safe mode, confirmation by reply (the default flow).
    { ...OA, type: 'WECHAT_OFFICIAL_ACCOUNT' },
    // The same account with GenAuth's behaviour: scan = login.
    { ...OA, id: 'oa-scan', type: 'WECHAT_OFFICIAL_ACCOUNT', loginOnScan: true },
    // The same account in plain mode.
    {
      id: 'oa-plain',
      appId: OA.appId,
      appSecret: OA.appSecret,
      token: OA.token,
      originalId: OA.originalId,
      type: 'WECHAT_OFFICIAL_ACCOUNT',
    },
  ];
}

/** Starts a fake WeChat that knows the fixture's apps. */
export async function startFakeWechat(): Promise<FakeWechatServer> {
  const fake = new FakeWechatServer();
  for (const app of [MINI, MINI_B, MINI_OFF, OA]) fake.addApp(app.appId, app.appSecret);
  await fake.start();
  return fake;
}

/** Every identity `findOrCreateUser` was called with, and the users it made (id `wx-<openid>`). */
export class WechatUsers {
  readonly identities: WechatUserIdentity[] = [];
  /** openids refused (the hook answers null for them). */
  readonly refused = new Set<string>();

  readonly findOrCreateUser = (identity: WechatUserIdentity) => {
    this.identities.push(identity);
    if (this.refused.has(identity.openid)) return null;
    return { id: `wx-${identity.openid}`, displayName: `WeChat ${identity.openid}` };
  };
}

export interface WechatTestAppOptions {
  adapter: AdapterName;
  fake: FakeWechatServer;
  users?: WechatUsers;
  wechat?: Partial<QrLoginWechatModuleOptions>;
  core?: Partial<QrLoginModuleOptions>;
}

/**
 * Boots an app with both modules imported side by side (the core not global),
 * the WeChat base URLs pointed at the fake server.
 */
export async function createWechatTestApp(
  opts: WechatTestAppOptions,
): Promise<{ app: INestApplication; url: string; users: WechatUsers }> {
  const users = opts.users ?? new WechatUsers();
  const moduleRef = await Test.createTestingModule({
    imports: [
      QrLoginModule.forRoot(fixtureOptions(opts.core)),
      QrLoginWechatModule.forRoot({
        connections: fixtureConnections(opts.fake),
        findOrCreateUser: users.findOrCreateUser,
        baseUrl: opts.fake.url,
        showQrCodeUrl: `${opts.fake.url}/cgi-bin/showqrcode`,
        requestTimeout: 5,
        ...opts.wechat,
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication(
    opts.adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
    {
      logger: false,
      forceCloseConnections: true,
    },
  );
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, users };
}

/** Decodes a `data:` URL. */
export function bytesOfDataUrl(url: string): { type: string; bytes: Buffer } {
  const match = /^data:([^;,]+);base64,(.*)$/.exec(url);
  if (!match) throw new Error(`not a base64 data URL: ${url.slice(0, 40)}`);
  return { type: match[1], bytes: Buffer.from(match[2], 'base64') };
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The core module, for specs beside the plugin that wire it next to the WeChat module themselves. */
export { QrLoginModule };
