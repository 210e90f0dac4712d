import 'reflect-metadata';
import { Controller, Get, Header, Module, Param, Sse, type MessageEvent } from '@nestjs/common';
import { NEVER, Observable, concat, of } from 'rxjs';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { MemoryQrLoginStore, QrLoginModule, QrLoginService, type QrLoginStore } from '../lib';
import { QrLoginSseHub } from '../lib/plugin';
import { newQrCodeRecord } from '../lib/kernel/qr-code.factory';
import { PostgresQrLoginStore } from '../lib/stores/postgres';
import { RedisQrLoginStore } from '../lib/stores/redis';
import { newQrCodeId } from '../lib/kernel/qr-login.ids';
import { measureRender } from './bench.render';
import { BENCH_TOKENS, type FromServer, type ServerConfig, type ToServer } from './bench.protocol';

/*
 * The app under measurement, in its own process so the load generator's CPU
 * and memory never mix with the figures: the QR routes plus a bare JSON route
 * of the same app, which every ratio is taken against.
 */

const config: ServerConfig = JSON.parse(process.argv[2] ?? '{}');

@Controller('bare')
class BareController {
  @Get()
  bare() {
    return { ok: true };
  }

  /**
   * A route shaped like the status poll (a path parameter, a no-store header,
   * a small JSON answer) doing none of its work: what Nest's routing alone costs.
   */
  @Get('shaped/:id')
  @Header('Cache-Control', 'no-store')
  shaped(@Param('id') id: string) {
    return { qrcodeId: id, status: 'PENDING', expiresIn: 120 };
  }

  /** The platform's own cost of an idle event stream: one event, then silence. */
  @Sse('events')
  events(): Observable<MessageEvent> {
    return concat(of({ data: { status: 'PENDING' } }), NEVER);
  }
}

const users: Record<string, { id: string; displayName: string }> = {
  [BENCH_TOKENS.alice]: { id: 'alice', displayName: 'Alice' },
  [BENCH_TOKENS.bob]: { id: 'bob', displayName: 'Bob' },
};

function send(message: FromServer): void {
  process.send?.(message);
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function main(): Promise<void> {
  const store: QrLoginStore =
    config.store === 'redis'
      ? new RedisQrLoginStore(
          config.redisCluster ? { cluster: { nodes: config.redisCluster } } : { url: config.redisUrl! },
        )
      : config.store === 'postgres'
        ? new PostgresQrLoginStore({ connectionString: config.postgresUrl! })
        : new MemoryQrLoginStore({ maxCodes: config.maxCodes });

  @Module({
    imports: [
      QrLoginModule.forRoot({
        appAuth: {
          resolveUser: (request: any) => {
            const header: string | undefined = request.headers.authorization;
            return header?.startsWith('Bearer ') ? (users[header.slice(7)] ?? null) : null;
          },
        },
        store,
        qrCodeTtl: config.qrCodeTtl ?? 120,
        // Load comes from one address; limits would measure the limiter, not the module.
        rateLimit: false,
        maxStreamsPerIp: 1_000_000,
        imageUrl: config.imageUrl,
        issueTokenSet: (user: any) => ({ access_token: `session-${user.id}`, token_type: 'Bearer' }),
      }),
    ],
    controllers: [BareController],
  })
  class BenchModule {}

  const adapter = config.adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(BenchModule, adapter as any, { logger: false, forceCloseConnections: true });
  const server = app.getHttpServer();
  // Thousands of idle streams: no per-request timeouts, a deep accept queue.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 60_000;
  server.maxConnections = 0;
  await app.listen(0, '127.0.0.1');
  const service = app.get(QrLoginService);
  // Redis commands and PostgreSQL statements the store sent (each its own round trip: the store awaits
  // every call), counted at the client. A Cluster's commands count once each, redirections not included.
  let storeCalls = 0;
  if (store instanceof RedisQrLoginStore) {
    const client = store.client as any;
    const sendCommand = client.sendCommand.bind(client);
    client.sendCommand = (command: unknown, stream?: unknown, node?: unknown) => {
      storeCalls++;
      return sendCommand(command, stream, node);
    };
  } else if (store instanceof PostgresQrLoginStore) {
    // Every statement runs on a client checked out of the pool: wrap each client's query once.
    const counted = new WeakSet<object>();
    store.pool.on('acquire', (client: any) => {
      if (counted.has(client)) return;
      counted.add(client);
      const query = client.query.bind(client);
      client.query = (...args: unknown[]) => {
        storeCalls++;
        return query(...args);
      };
    });
  }

  process.on('message', async (message: ToServer) => {
    if (message.type === 'memory') {
      if (message.gc) {
        gc();
        gc();
      }
      const usage = process.memoryUsage();
      send({ type: 'memory', rss: usage.rss, heapUsed: usage.heapUsed });
    } else if (message.type === 'stats') {
      const liveCodes = store instanceof MemoryQrLoginStore ? store.size : undefined;
      send({
        type: 'stats',
        activeWatches: service.activeWatchCount,
        openStreams: app.get(QrLoginSseHub).openStreams,
        liveCodes,
      });
    } else if (message.type === 'storeCalls') {
      send({ type: 'storeCalls', calls: storeCalls });
      if (message.reset) storeCalls = 0;
    } else if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      send({ type: 'cpu', userUs: user, systemUs: system });
    } else if (message.type === 'fill') {
      send({ type: 'fill', ...(await fill(store, message.count)) });
    } else if (message.type === 'render') {
      send({ type: 'render', perCodeUs: await measureRender(message.format, message.count) });
    } else if (message.type === 'leak') {
      send({ type: 'leak', ...(await leakCheck(service, store, message.count)) });
    }
  });
  process.on('disconnect', () => {
    app.close().finally(() => process.exit(0));
  });
  send({ type: 'ready', port: server.address().port });
}

/**
 * Puts `count` live codes straight into the store, each a record as create
 * makes it (the image is not part of a record), so the scaling run reaches a
 * million codes in seconds rather than the minutes a million creates take.
 */
async function fill(store: QrLoginStore, count: number) {
  const started = Date.now();
  const now = Date.now();
  const expiresAt = Math.ceil((now + 3_600_000) / 1000) * 1000;
  for (let i = 0; i < count; i++) {
    await store.create(
      newQrCodeRecord({
        id: newQrCodeId(expiresAt),
        type: 'MOBILE_APP',
        now,
        expiresAt,
        creatorSecretHash: 'x'.repeat(43),
        binding: { reveal: 'creator', redeem: 'creator', via: 'native' },
        requester: { ip: '127.0.0.1', userAgent: 'bench', createdAt: new Date(now).toISOString() },
        numberMatching: { digits: 2, choices: 3 },
      }),
    );
  }
  gc();
  gc();
  return {
    liveCodes: store instanceof MemoryQrLoginStore ? store.size : count,
    heapUsed: process.memoryUsage().heapUsed,
    ms: Date.now() - started,
  };
}

/** A create, tried again (up to three times) when the store was briefly unreachable under load. */
async function createWithRetry(service: QrLoginService) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await service.create({}, { ip: '127.0.0.1', userAgent: 'bench' });
    } catch (error) {
      if (attempt >= 3 || (error as { code?: string }).code !== 'QR_STORE_UNAVAILABLE') throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Creates `count` codes directly through the service, lets them expire, and compares the heap with the start. */
async function leakCheck(service: QrLoginService, store: QrLoginStore, count: number) {
  const started = Date.now();
  gc();
  gc();
  const baselineHeap = process.memoryUsage().heapUsed;
  let peakHeap = baselineHeap;
  let latestExpiry = 0;
  // Batches small enough that a loaded machine does not push a store call past its timeout.
  const batch = 200;
  for (let done = 0; done < count; done += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - done) }, async () => {
        const created = await createWithRetry(service);
        latestExpiry = Math.max(latestExpiry, Date.now() + created.expiresIn * 1000 + 1_000);
      }),
    );
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  // Every code expires, and its expiry check runs, then the heap is measured again.
  while (Date.now() < latestExpiry + 500 || service.pendingExpiryChecks > 0) {
    await new Promise((r) => setTimeout(r, 200));
    if (Date.now() - started > 300_000) break;
  }
  gc();
  gc();
  await new Promise((r) => setTimeout(r, 100));
  gc();
  const memory = store instanceof MemoryQrLoginStore ? { storeSize: store.size, storeTimers: store.timers } : {};
  return {
    baselineHeap,
    peakHeap,
    afterHeap: process.memoryUsage().heapUsed,
    ...memory,
    expiryChecks: service.pendingExpiryChecks,
    ms: Date.now() - started,
  };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
