import type { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { getStorageToken, ThrottlerModule, ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  QrLoginModule,
  ThrottlerStorageQrLoginRateLimiter,
  type QrLoginStore,
  type QrLoginThrottlerStorage,
} from '../../lib';
import { ADAPTERS, fixtureOptions, type AdapterName } from '../app/test-app';
import { nativeClient } from '../support/http';
import { STORE_KINDS } from '../support/stores';

// Compile-time: the throttler's storage contract fits the limiter's.
const fits: QrLoginThrottlerStorage = {} as ThrottlerStorage;
void fits;

/** An app that already runs @nestjs/throttler, with the module counting in the same storage. */
async function boot(adapter: AdapterName, store: QrLoginStore) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ThrottlerModule.forRoot({ throttlers: [{ ttl: 60_000, limit: 1_000 }] }),
      QrLoginModule.forRootAsync({
        inject: [getStorageToken()],
        useFactory: (storage: ThrottlerStorage) =>
          fixtureOptions({
            store,
            rateLimit: { limiter: new ThrottlerStorageQrLoginRateLimiter(storage), create: { limit: 2, window: 60 } },
          }),
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication(adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(), {
    logger: false,
    forceCloseConnections: true,
  });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, storage: moduleRef.get<ThrottlerStorageService>(getStorageToken()) };
}

describe.each(STORE_KINDS)("rate limits in the app's @nestjs/throttler storage over the $name store", (kind) => {
  beforeAll(() => kind.setup());
  afterAll(() => kind.teardown());

  describe.each(ADAPTERS)('on %s', (adapter) => {
    let app: INestApplication;
    let url: string;
    let storage: ThrottlerStorageService;
    beforeAll(async () => ({ app, url, storage } = await boot(adapter, kind.make())));
    afterAll(() => app?.close());

    it('counts in the throttler storage and refuses over the limit with Retry-After', async () => {
      const api = nativeClient(url);
      expect((await api.create()).status).toBe(201);
      expect((await api.create()).status).toBe(201);
      const refused = await api.create();
      expect(refused.status).toBe(429);
      expect(refused.body.code).toBe('QR_RATE_LIMITED');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // The counter is the app's own storage, under the module's prefix and throttler name.
      const keys = [...storage.storage.keys()];
      expect(keys.some((key) => key.startsWith('qr-login:create:ip:'))).toBe(true);
      const record = storage.storage.get(keys.find((key) => key.startsWith('qr-login:create:'))!)!;
      expect(record.totalHits.get('qr-login')).toBeGreaterThanOrEqual(2);
    });
  });
});

describe('ThrottlerStorageQrLoginRateLimiter', () => {
  it('allows exactly the limit per window and reports the reset', async () => {
    const storage = new ThrottlerStorageService();
    const limiter = new ThrottlerStorageQrLoginRateLimiter(storage, { throttlerName: 'qr', keyPrefix: 'p:' });
    const verdicts = [];
    for (let i = 0; i < 4; i++) verdicts.push(await limiter.hit('k', 3, 60_000));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false]);
    expect(verdicts[3].resetInMs).toBeGreaterThan(0);
    expect(verdicts[3].resetInMs).toBeLessThanOrEqual(60_000);
    // Other keys are counted apart.
    expect((await limiter.hit('other', 3, 60_000)).allowed).toBe(true);
    expect(storage.storage.has('p:k')).toBe(true);
    storage.onApplicationShutdown();
  });

  it('refuses something that is not a storage, saying what to pass', () => {
    expect(() => new ThrottlerStorageQrLoginRateLimiter({} as never)).toThrow(/needs a ThrottlerStorage/);
  });
});
