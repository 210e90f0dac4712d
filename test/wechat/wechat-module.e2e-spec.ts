import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QrLoginModule } from '../../lib';
import {
  QrLoginWechatConfigError,
  QrLoginWechatModule,
  QrLoginWechatService,
  type QrLoginWechatModuleOptions,
  type QrLoginWechatOptionsFactory,
} from '../../lib/plugins/wechat';
import { ADAPTERS, fixtureOptions, type AdapterName } from '../app/test-app';
import { nativeClient, request } from '../support/http';
import type { FakeWechatServer } from './fake-wechat.server';
import { MINI, OA, WechatUsers, startFakeWechat } from './wechat-test-app';

let fake: FakeWechatServer;
beforeAll(async () => {
  fake = await startFakeWechat();
});
afterAll(() => fake.stop());

const wechatOptions = (extra: Partial<QrLoginWechatModuleOptions> = {}): QrLoginWechatModuleOptions => ({
  connections: [{ ...MINI, type: 'WECHAT_MINIPROGRAM' }],
  findOrCreateUser: new WechatUsers().findOrCreateUser,
  baseUrl: fake.url,
  ...extra,
});

async function start(
  imports: any[],
  adapter: AdapterName = 'express',
): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({ imports }).compile();
  const app = moduleRef.createNestApplication(adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(), {
    logger: false,
    forceCloseConnections: true,
  });
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

describe('QrLoginWechatModule wiring', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it.each(ADAPTERS)('works beside a global QrLoginModule from a feature module (%s)', async (adapter) => {
    @Module({ imports: [QrLoginWechatModule.forRoot(wechatOptions())] })
    class WechatFeatureModule {}
    const started = await start([QrLoginModule.forRoot(fixtureOptions()), WechatFeatureModule], adapter);
    app = started.app;
    const created = await nativeClient(started.url).create({ type: 'WECHAT_MINIPROGRAM' });
    expect(created.status).toBe(201);
    expect(created.body.url).toMatch(/^data:image\/png;base64,/);
  });

  it('fails at start-up, saying what to import, when QrLoginModule is missing', async () => {
    const failure = start([QrLoginWechatModule.forRoot(wechatOptions())]);
    await expect(failure).rejects.toBeInstanceOf(QrLoginWechatConfigError);
    await expect(failure).rejects.toThrow(/QrLoginModule was not found\. Import QrLoginModule\.forRoot/);
  });

  it('refuses a routePrefix that silently differs from the core one, and follows one given', async () => {
    const mismatch = start([
      QrLoginModule.forRoot({ ...fixtureOptions(), routePrefix: 'auth/qr' }),
      QrLoginWechatModule.forRoot(wechatOptions()),
    ]);
    await expect(mismatch).rejects.toThrow(/pass routePrefix: "auth\/qr" to QrLoginWechatModule\.forRoot\(\)/);

    const started = await start([
      QrLoginModule.forRoot({ ...fixtureOptions(), routePrefix: 'auth/qr' }),
      QrLoginWechatModule.forRoot({ ...wechatOptions(), routePrefix: '/auth/qr/' }),
    ]);
    app = started.app;
    const created = await nativeClient(started.url, 'auth/qr').create({ type: 'WECHAT_MINIPROGRAM' });
    expect(created.status).toBe(201);
    fake.addLoginCode('prefix-code', MINI.appId, 'o-prefix');
    const scanned = await request(`${started.url}/auth/qr/wechat/miniprogram/scan`, {
      json: { qrcodeId: created.body.qrcodeId, code: 'prefix-code' },
    });
    expect(scanned.status).toBe(200);
  });

  it('takes its options from forRootAsync (useFactory with inject, and useClass)', async () => {
    @Injectable()
    class WechatSettings {
      readonly baseUrl = fake.url;
    }
    @Module({ providers: [WechatSettings], exports: [WechatSettings] })
    class SettingsModule {}

    const viaFactory = await start([
      QrLoginModule.forRoot(fixtureOptions()),
      QrLoginWechatModule.forRootAsync({
        imports: [SettingsModule],
        inject: [WechatSettings],
        useFactory: (settings: WechatSettings) => wechatOptions({ baseUrl: settings.baseUrl }),
      }),
    ]);
    app = viaFactory.app;
    expect((await nativeClient(viaFactory.url).create({ type: 'WECHAT_MINIPROGRAM' })).status).toBe(201);
    await app.close();

    @Injectable()
    class WechatOptionsFactory implements QrLoginWechatOptionsFactory {
      createQrLoginWechatOptions() {
        return wechatOptions({ connections: [{ ...OA, type: 'WECHAT_OFFICIAL_ACCOUNT' }] });
      }
    }
    const viaClass = await start([
      QrLoginModule.forRoot(fixtureOptions()),
      QrLoginWechatModule.forRootAsync({ useClass: WechatOptionsFactory }),
    ]);
    app = viaClass.app;
    const api = nativeClient(viaClass.url);
    expect((await api.create({ type: 'WECHAT_OFFICIAL_ACCOUNT' })).status).toBe(201);
    // Only the configured type is served; the other is refused by the core as not enabled.
    const other = await api.create({ type: 'WECHAT_MINIPROGRAM' });
    expect(other.status).toBe(400);
    expect(other.body.code).toBe('QR_VALIDATION_FAILED');
    expect(app.get(QrLoginWechatService)).toBeInstanceOf(QrLoginWechatService);
  });

  it('refuses a module setting returned by the factory, and bad options, at start-up', async () => {
    const setting = start([
      QrLoginModule.forRoot(fixtureOptions()),
      QrLoginWechatModule.forRootAsync({
        useFactory: () => ({ ...wechatOptions(), routePrefix: 'x' }) as QrLoginWechatModuleOptions,
      }),
    ]);
    await expect(setting).rejects.toThrow(/"routePrefix" is a module setting/);
    const noHook = start([
      QrLoginModule.forRoot(fixtureOptions()),
      QrLoginWechatModule.forRoot({ ...wechatOptions(), findOrCreateUser: undefined as never }),
    ]);
    await expect(noHook).rejects.toThrow(/"findOrCreateUser" is required/);
  });
});

describe('QrLoginWechatModule with number matching', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('lets the mini program confirm with the number the page shows', async () => {
    const started = await start([
      QrLoginModule.forRoot(fixtureOptions({ numberMatching: true })),
      QrLoginWechatModule.forRoot(wechatOptions()),
    ]);
    app = started.app;
    const api = nativeClient(started.url);
    const created = await api.create({ type: 'WECHAT_MINIPROGRAM' });
    const id = created.body.qrcodeId;
    const mini = (action: string, json: Record<string, unknown>) =>
      request(`${started.url}/qr-login/wechat/miniprogram/${action}`, { json: { qrcodeId: id, ...json } });
    fake
      .addLoginCode('nm-1', MINI.appId, 'o-nm')
      .addLoginCode('nm-2', MINI.appId, 'o-nm')
      .addLoginCode('nm-3', MINI.appId, 'o-nm');
    const scanned = await mini('scan', { code: 'nm-1' });
    expect(scanned.body.matchChoices).toContain(created.body.matchCode);
    expect((await mini('confirm', { code: 'nm-2' })).status).toBeGreaterThanOrEqual(400);
    const confirmed = await mini('confirm', { code: 'nm-3', matchCode: created.body.matchCode });
    expect(confirmed.body.status).toBe('AUTHORIZED');
  });

  it('refuses a loginOnScan official-account connection at start-up, as scan = login leaves no step to send the number', async () => {
    const failure = start([
      QrLoginModule.forRoot(fixtureOptions({ numberMatching: true })),
      QrLoginWechatModule.forRoot(
        wechatOptions({ connections: [{ ...OA, type: 'WECHAT_OFFICIAL_ACCOUNT', loginOnScan: true }] }),
      ),
    ]);
    await expect(failure).rejects.toThrow(/numberMatching on, which connection "oa" with loginOnScan cannot satisfy/);
  });

  it('starts with number matching and an official-account connection that confirms by reply', async () => {
    const started = await start([
      QrLoginModule.forRoot(fixtureOptions({ numberMatching: true })),
      QrLoginWechatModule.forRoot(wechatOptions({ connections: [{ ...OA, type: 'WECHAT_OFFICIAL_ACCOUNT' }] })),
    ]);
    app = started.app;
    const created = await nativeClient(started.url).create({ type: 'WECHAT_OFFICIAL_ACCOUNT' });
    expect(created.status).toBe(201);
    expect(created.body.matchCode).toMatch(/^\d{2}$/);
  });

  it('refuses the safe mode without originalId at start-up', async () => {
    const { originalId: _left, ...withoutId } = OA;
    const failure = start([
      QrLoginModule.forRoot(fixtureOptions()),
      QrLoginWechatModule.forRoot(wechatOptions({ connections: [{ ...withoutId, type: 'WECHAT_OFFICIAL_ACCOUNT' }] })),
    ]);
    await expect(failure).rejects.toThrow(/safe mode \("encodingAESKey"\) needs "originalId"/);
  });
});
