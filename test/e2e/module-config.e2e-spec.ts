import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MemoryQrLoginStore,
  QrLoginConfigError,
  QrLoginModule,
  QrLoginService,
  type QrLoginModuleOptions,
  type QrLoginOptionsFactory,
} from '../../lib';
import { QR_LOGIN_STORE } from '../../lib/kernel/qr-login.constants';
import { fixtureOptions } from '../app/test-app';
import { asUser, nativeClient } from '../support/http';

/** A config source the factory depends on, to prove `inject` and `imports` work. */
@Injectable()
class SettingsService {
  readonly qrCodeTtl = 45;
}

@Module({ providers: [SettingsService], exports: [SettingsService] })
class SettingsModule {}

@Injectable()
class QrOptionsFactory implements QrLoginOptionsFactory {
  constructor(private readonly settings: SettingsService) {}
  createQrLoginOptions(): QrLoginModuleOptions {
    return fixtureOptions({ qrCodeTtl: this.settings.qrCodeTtl });
  }
}

const apps: INestApplication[] = [];
afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
});

async function boot(imports: any[]): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({ imports }).compile();
  const app = moduleRef.createNestApplication({ logger: false, forceCloseConnections: true });
  apps.push(app);
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

/** Creates and scans a code, proving the routes, the guard and the options are wired. */
async function flowWorks(url: string, prefix = 'qr-login'): Promise<number> {
  const api = nativeClient(url, prefix);
  const created = await api.create();
  expect(created.status).toBe(201);
  expect((await api.act(created.body.qrcodeId, 'scan', asUser('alice'))).status).toBe(200);
  return created.body.expiresIn;
}

describe('QrLoginModule configuration', () => {
  it('forRoot works with defaults', async () => {
    const { url } = await boot([QrLoginModule.forRoot(fixtureOptions())]);
    expect(await flowWorks(url)).toBe(120);
  });

  it('forRootAsync with useFactory, imports and inject', async () => {
    const { url } = await boot([
      QrLoginModule.forRootAsync({
        imports: [SettingsModule],
        inject: [SettingsService],
        useFactory: (settings: SettingsService) => fixtureOptions({ qrCodeTtl: settings.qrCodeTtl }),
      }),
    ]);
    expect(await flowWorks(url)).toBe(45);
  });

  it('forRootAsync with useClass', async () => {
    const { url } = await boot([QrLoginModule.forRootAsync({ imports: [SettingsModule], useClass: QrOptionsFactory })]);
    expect(await flowWorks(url)).toBe(45);
  });

  it('forRootAsync with useExisting', async () => {
    @Module({ imports: [SettingsModule], providers: [QrOptionsFactory], exports: [QrOptionsFactory] })
    class FactoryModule {}
    const { url } = await boot([
      QrLoginModule.forRootAsync({ imports: [FactoryModule], useExisting: QrOptionsFactory }),
    ]);
    expect(await flowWorks(url)).toBe(45);
  });

  it('mounts the routes under routePrefix, given beside the factory', async () => {
    const { url } = await boot([
      QrLoginModule.forRootAsync({ routePrefix: '/auth/qr/', useFactory: () => fixtureOptions() }),
    ]);
    await flowWorks(url, 'auth/qr');
    expect((await fetch(`${url}/qr-login/qrcodes`, { method: 'POST' })).status).toBe(404);
  });

  it('uses the store it is given and exports it', async () => {
    const store = new MemoryQrLoginStore();
    const { app, url } = await boot([QrLoginModule.forRoot(fixtureOptions({ store }))]);
    await flowWorks(url);
    expect(store.size).toBe(1);
    expect(app.get(QR_LOGIN_STORE)).toBe(store);
  });

  it('is global: QrLoginService is injectable in every module without isGlobal', async () => {
    @Injectable()
    class Consumer {
      constructor(readonly qr: QrLoginService) {}
    }
    @Module({ providers: [Consumer] })
    class FeatureModule {}
    const { app } = await boot([QrLoginModule.forRoot(fixtureOptions()), FeatureModule]);
    expect(app.get(Consumer).qr).toBeInstanceOf(QrLoginService);
  });

  it('clears the in-memory store when the app closes', async () => {
    const store = new MemoryQrLoginStore();
    const { app, url } = await boot([QrLoginModule.forRoot(fixtureOptions({ store }))]);
    await flowWorks(url);
    expect(store.timers).toBe(1);
    await app.close();
    apps.pop();
    expect(store.size).toBe(0);
    expect(store.timers).toBe(0);
  });
});

describe('QrLoginModule refuses a bad configuration at start-up', () => {
  const compile = (imports: any[]) => Test.createTestingModule({ imports }).compile();
  const cases: Array<[string, () => any, RegExp]> = [
    ['no appAuth', () => QrLoginModule.forRoot({} as QrLoginModuleOptions), /"appAuth" is required/],
    [
      'both strategies and resolveUser',
      () => QrLoginModule.forRoot({ appAuth: { strategies: 'jwt', resolveUser: () => null } }),
      /exactly one of "strategies" and "resolveUser"/,
    ],
    [
      'a negative lifetime',
      () => QrLoginModule.forRoot(fixtureOptions({ qrCodeTtl: -5 })),
      /"qrCodeTtl" must be a number of seconds/,
    ],
    [
      'a store that is not a store',
      () => QrLoginModule.forRoot(fixtureOptions({ store: { get: () => null } as any })),
      /"store" does not implement QrLoginStore \(missing create, compareAndSet, watch, rememberOnce, setAlias, resolveAlias\)/,
    ],
    [
      'an async factory that returns nothing',
      () => QrLoginModule.forRootAsync({ useFactory: () => undefined as any }),
      /no options were given/,
    ],
    [
      'a misconfigured async store',
      () =>
        QrLoginModule.forRootAsync({ useFactory: async () => fixtureOptions({ store: 'redis://localhost' as any }) }),
      /"store" does not implement QrLoginStore/,
    ],
    [
      'isGlobal, which is not an option (the module is always global)',
      () => QrLoginModule.forRoot({ ...fixtureOptions(), isGlobal: true } as any),
      /"isGlobal" is not an option: QrLoginModule is always global/,
    ],
    [
      'a payloadUrl without placeholder',
      () => QrLoginModule.forRoot(fixtureOptions({ payloadUrl: 'https://x.test/phone' })),
      /\{qrcodeId\}/,
    ],
    [
      'SameSite=None without Secure',
      () => QrLoginModule.forRoot(fixtureOptions({ cookie: { sameSite: 'none' } })),
      /needs "cookie.secure: true"/,
    ],
    [
      'a bad routePrefix',
      () => QrLoginModule.forRoot({ ...fixtureOptions(), routePrefix: 'a b' }),
      /"routePrefix" must be a URL path/,
    ],
  ];

  it.each(cases)('%s', async (_name, make, message) => {
    let error: unknown;
    try {
      await compile([make()]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QrLoginConfigError);
    expect((error as Error).message).toMatch(/^QrLoginModule is misconfigured: /);
    expect((error as Error).message).toMatch(message);
  });
});
