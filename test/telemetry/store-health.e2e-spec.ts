import { Controller, Get, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QrLoginModule, type QrLoginStore } from '../../lib';
import { QrLoginStoreHealthIndicator, QrLoginTelemetryModule } from '../../lib/telemetry';
import { ADAPTERS, fixtureOptions, type AdapterName } from '../app/test-app';
import { request } from '../support/http';
import { memoryStoreKind, redisClusterStoreKind, SHARED_STORE_KINDS } from '../support/stores';
import { telemetrySink } from './telemetry-app';

/** An app's health route, as Terminus's docs write it, with the store's indicator. */
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly store: QrLoginStoreHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.store.isHealthy()]);
  }
}

async function createHealthApp(
  adapter: AdapterName,
  store: QrLoginStore,
): Promise<{ app: INestApplication; url: string }> {
  const sink = telemetrySink();
  const moduleRef = await Test.createTestingModule({
    imports: [
      QrLoginModule.forRoot(fixtureOptions({ store })),
      QrLoginTelemetryModule.forRoot({ meterProvider: sink.meterProvider, tracerProvider: sink.tracerProvider }),
      TerminusModule.forRoot({ logger: false }),
    ],
    controllers: [HealthController],
  }).compile();
  const app = moduleRef.createNestApplication(adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(), {
    logger: false,
    forceCloseConnections: true,
  });
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

/** Asks `/health` until it answers `status`; the ms it took, or a failure after `withinMs`. */
async function healthBecomes(url: string, status: number, withinMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const answer = await request(`${url}/health`);
    if (answer.status === status) return Date.now() - start;
    if (Date.now() - start > withinMs)
      throw new Error(`/health still answered ${answer.status} after ${withinMs} ms: ${JSON.stringify(answer.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(ADAPTERS)('the store health indicator on %s', (adapter) => {
  describe('over the memory store', () => {
    let app: INestApplication;
    let url: string;
    beforeAll(async () => ({ app, url } = await createHealthApp(adapter, memoryStoreKind.make())));
    afterAll(() => app?.close());

    it('reports the store up, by kind', async () => {
      const answer = await request(`${url}/health`);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ status: 'ok', info: { qr_login_store: { status: 'up', store: 'memory' } } });
    });
  });

  // Redis, PostgreSQL, and a Redis Cluster (3 masters, 3 replicas) whose every server stops at once.
  describe.each([...SHARED_STORE_KINDS, redisClusterStoreKind])('over the $name store', (kind) => {
    /** The store kind the indicator reports: a Cluster's store is a Redis store. */
    const reported = kind === redisClusterStoreKind ? 'redis' : kind.name;
    let app: INestApplication;
    let url: string;
    beforeAll(async () => {
      await kind.setup();
      ({ app, url } = await createHealthApp(adapter, kind.make()));
    });
    afterAll(async () => {
      await app?.close();
      await kind.teardown();
    });

    it('reports down within 2 s of the server stopping, and up again once it is back', async () => {
      const up = await request(`${url}/health`);
      expect(up.status).toBe(200);
      expect(up.body.info.qr_login_store).toEqual({ status: 'up', store: reported });

      await kind.outage!.stop();
      try {
        expect(await healthBecomes(url, 503, 2_000)).toBeLessThanOrEqual(2_000);
        const down = await request(`${url}/health`);
        expect(down.body).toMatchObject({
          status: 'error',
          error: { qr_login_store: { status: 'down', store: reported, message: expect.any(String) } },
        });
      } finally {
        await kind.outage!.start();
      }
      await healthBecomes(url, 200, 15_000);
      const back = await request(`${url}/health`);
      expect(back.body.info.qr_login_store).toEqual({ status: 'up', store: reported });
    }, 60_000);
  });
});
