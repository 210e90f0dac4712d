import { type CanActivate, type INestApplication, Logger, type LoggerService, UseGuards } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureOptions } from '../../../test/app/test-app';
import { closedAfterEach } from '../../../test/support/closed-after-each';
import { nativeClient, request } from '../../../test/support/http';
import { MINI, OA, QrLoginModule, WechatUsers, startFakeWechat } from '../../../test/wechat/wechat-test-app';
import { QrLoginWechatModule } from './wechat.module';
import { QrLoginWechatConfigError } from './wechat.errors';
import type { QrLoginWechatModuleOptions } from './interfaces/wechat-options.interface';

/*
 * The module's start-up: each set-up it refuses (with the exact message),
 * the plain-mode warning, the route prefix and decorators it mounts the
 * routes with, and the code types it registers. An app is started in each test.
 */

const keep = closedAfterEach<{ close(): Promise<unknown> }>();
afterEach(() => Logger.overrideLogger(true));

const mini = { ...MINI, type: 'WECHAT_MINIPROGRAM' } as const;
const oa = { ...OA, type: 'WECHAT_OFFICIAL_ACCOUNT' } as const;
const plain = {
  id: 'plain',
  appId: OA.appId,
  appSecret: OA.appSecret,
  token: OA.token,
  type: 'WECHAT_OFFICIAL_ACCOUNT',
} as const;

async function start(
  imports: unknown[],
  logger: LoggerService | false = false,
): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({ imports: imports as never[] }).compile();
  const app = moduleRef.createNestApplication(new ExpressAdapter(), { logger, forceCloseConnections: true });
  keep(app);
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

async function wechat(extra: Partial<QrLoginWechatModuleOptions> = {}): Promise<QrLoginWechatModuleOptions> {
  const fake = await startFakeWechat();
  keep({ close: () => fake.stop() });
  return { connections: [mini], findOrCreateUser: new WechatUsers().findOrCreateUser, baseUrl: fake.url, ...extra };
}

async function startFailure(imports: unknown[]): Promise<string> {
  try {
    await start(imports);
    return 'started';
  } catch (error) {
    expect(error).toBeInstanceOf(QrLoginWechatConfigError);
    return (error as Error).message;
  }
}

describe('QrLoginWechatModule start-up', () => {
  it('refuses to start without QrLoginModule, saying what to import', async () => {
    expect(await startFailure([QrLoginWechatModule.forRoot(await wechat())])).toBe(
      'QrLoginWechatModule is misconfigured: QrLoginModule was not found. Import QrLoginModule.forRoot(...) in the application as well; QrLoginWechatModule adds the WeChat code types to it.',
    );
  });

  it('refuses a defaulted route prefix that differs from the core one, and mounts under one given', async () => {
    expect(
      await startFailure([
        QrLoginModule.forRoot({ ...fixtureOptions(), routePrefix: 'auth' }),
        QrLoginWechatModule.forRoot(await wechat()),
      ]),
    ).toBe(
      'QrLoginWechatModule is misconfigured: QrLoginModule\'s routes are under "/auth" but the WeChat routes would be under "/qr-login"; pass routePrefix: "auth" to QrLoginWechatModule.forRoot() (or another prefix on purpose).',
    );
    const started = await start([
      QrLoginModule.forRoot({ ...fixtureOptions(), routePrefix: 'auth' }),
      QrLoginWechatModule.forRoot({ ...(await wechat()), routePrefix: 'wx' }),
    ]);
    expect((await request(`${started.url}/wx/wechat/miniprogram/scan`, { json: {} })).status).toBe(400);
    expect((await request(`${started.url}/auth/wechat/miniprogram/scan`, { json: {} })).status).toBe(404);
  });

  it('refuses loginOnScan with number matching, naming the connection', async () => {
    expect(
      await startFailure([
        QrLoginModule.forRoot(fixtureOptions({ numberMatching: true })),
        QrLoginWechatModule.forRoot(await wechat({ connections: [mini, { ...oa, id: 'scan', loginOnScan: true }] })),
      ]),
    ).toBe(
      'QrLoginWechatModule is misconfigured: QrLoginModule has numberMatching on, which connection "scan" with loginOnScan cannot satisfy (the user only scans). Leave loginOnScan off (the user then confirms by replying with the number), or turn numberMatching off.',
    );
    // loginOnScan is an official account's option: on a mini program it is no reason to refuse.
    await start([
      QrLoginModule.forRoot(fixtureOptions({ numberMatching: true })),
      QrLoginWechatModule.forRoot(await wechat({ connections: [{ ...mini, loginOnScan: true } as never, oa] })),
    ]);
    // Without number matching the same connection starts.
    await start([
      QrLoginModule.forRoot(fixtureOptions()),
      QrLoginWechatModule.forRoot(await wechat({ connections: [mini, { ...oa, id: 'scan', loginOnScan: true }] })),
    ]);
  });

  it('warns about each enabled official account in plain mode, and only those', async () => {
    const warnings: unknown[][] = [];
    const quiet = () => undefined;
    const recorder: LoggerService = { log: quiet, error: quiet, warn: (...args: unknown[]) => warnings.push(args) };
    await start(
      [
        QrLoginModule.forRoot(fixtureOptions()),
        QrLoginWechatModule.forRoot(
          await wechat({ connections: [mini, oa, plain, { ...plain, id: 'plain-off', enabled: false }] }),
        ),
      ],
      recorder,
    );
    expect(warnings.filter(([, context]) => context === 'QrLoginWechat')).toEqual([
      [
        'Official-account connection "plain" is in plain mode: WeChat\'s plain signature does not cover the push body. Set "encodingAESKey" and "originalId" (safe mode) in production.',
        'QrLoginWechat',
      ],
    ]);
  });

  it('registers only the code types it has connections for', async () => {
    const onlyMini = await start([
      QrLoginModule.forRoot(fixtureOptions()),
      QrLoginWechatModule.forRoot(await wechat()),
    ]);
    const api = nativeClient(onlyMini.url);
    expect((await api.create({ type: 'WECHAT_MINIPROGRAM' })).status).toBe(201);
    const notEnabled = (type: string) => ({
      code: 'QR_VALIDATION_FAILED',
      message: `QR code type ${type} is not enabled in this app; use MOBILE_APP or configure its module.`,
    });
    const noOa = await api.create({ type: 'WECHAT_OFFICIAL_ACCOUNT' });
    expect(noOa.status).toBe(400);
    expect(noOa.body).toMatchObject(notEnabled('WECHAT_OFFICIAL_ACCOUNT'));
    const onlyOa = await start([
      QrLoginModule.forRoot(fixtureOptions()),
      QrLoginWechatModule.forRoot(await wechat({ connections: [oa] })),
    ]);
    const other = nativeClient(onlyOa.url);
    expect((await other.create({ type: 'WECHAT_OFFICIAL_ACCOUNT' })).status).toBe(201);
    const noMini = await other.create({ type: 'WECHAT_MINIPROGRAM' });
    expect(noMini.status).toBe(400);
    expect(noMini.body).toMatchObject(notEnabled('WECHAT_MINIPROGRAM'));
  });

  it('refuses route decorators that are not functions, naming this module in the example', async () => {
    const options = await wechat();
    expect(() => QrLoginWechatModule.forRoot({ ...options, routeDecorators: ['Public'] as never })).toThrow(
      'QrLoginWechatModule.forRoot({ routeDecorators: [Public()] })',
    );
  });

  it("applies the app's route decorators to both controllers", async () => {
    class Closed implements CanActivate {
      canActivate(): boolean {
        return false;
      }
    }
    const started = await start([
      QrLoginModule.forRoot(fixtureOptions()),
      QrLoginWechatModule.forRoot({
        ...(await wechat({ connections: [mini, oa] })),
        routeDecorators: [UseGuards(Closed)],
      }),
    ]);
    expect((await request(`${started.url}/qr-login/wechat/miniprogram/scan`, { json: {} })).status).toBe(403);
    expect((await request(`${started.url}/qr-login/wechat/official-account/oa/events`)).status).toBe(403);
  });
});
