import { Pool, type PoolClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryQrLoginStore, type QrLoginStore, type QrLoginStoreAlias } from '../../lib';
import type { QrCodeRecord } from '../../lib/kernel/interfaces/qr-code.interface';
import { ensurePostgresQrLoginSchema, PostgresQrLoginStore } from '../../lib/stores/postgres';
import { RedisQrLoginStore } from '../../lib/stores/redis';
import { newRecord } from '../../lib/testing';
import { ADAPTERS, createTestApp } from '../app/test-app';
import { asUser, nativeClient, request } from '../support/http';
import { startPostgresServer, type PostgresServer } from '../support/postgres-server';
import { redisClusterStoreKind, redisStoreKind } from '../support/stores';

/** What ioredis sends by itself: the connection handshake and Cluster slot refreshes, none of them the store's. */
const CONNECTION_COMMANDS = new Set([
  'hello',
  'client',
  'info',
  'cluster',
  'ping',
  'select',
  'auth',
  'readonly',
  'quit',
]);

/** Counts the commands a Redis store sends, at its client (the store awaits each, so each is a round trip). */
function countRedisCommands(store: RedisQrLoginStore): () => number {
  const client = store.client as unknown as { sendCommand: (...args: unknown[]) => unknown };
  const send = client.sendCommand.bind(client);
  let count = 0;
  client.sendCommand = (...args: unknown[]) => {
    if (!CONNECTION_COMMANDS.has((args[0] as { name: string }).name.toLowerCase())) count++;
    return send(...args);
  };
  return () => count;
}

/** Counts the statements a PostgreSQL store runs, on every client its pool hands out. */
function countStatements(store: PostgresQrLoginStore): () => number {
  const pool = store.pool as unknown as { connect: () => Promise<PoolClient> };
  const connect = pool.connect.bind(pool);
  const counted = new WeakSet<PoolClient>();
  let count = 0;
  pool.connect = async () => {
    const client = await connect();
    if (!counted.has(client)) {
      counted.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        count++;
        return query(...args);
      };
    }
    return client;
  };
  return () => count;
}

/** Creates a code over HTTP and proves its user code resolves (on a second request) to it. */
async function createAndScanByCode(url: string): Promise<void> {
  const api = nativeClient(url);
  const created = await api.create();
  expect(created.status).toBe(201);
  expect(created.body.userCode).toBeTruthy();
  const scanned = await request(`${api.root}/user-codes/scan`, {
    method: 'POST',
    json: { userCode: created.body.userCode },
    headers: asUser('alice'),
  });
  expect(scanned.status).toBe(200);
  expect(scanned.body.qrcodeId).toBe(created.body.qrcodeId);
}

describe.each(ADAPTERS)('round trips of a create with a user code on %s', (adapter) => {
  let postgres: PostgresServer;
  const apps: Awaited<ReturnType<typeof createTestApp>>[] = [];
  const boot = async (store: QrLoginStore) => {
    const app = await createTestApp({ adapter, store });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    await Promise.all([redisStoreKind.setup(), redisClusterStoreKind.setup()]);
    postgres = await startPostgresServer();
    const pool = new Pool({ connectionString: postgres.url, max: 1 });
    try {
      await ensurePostgresQrLoginSchema(pool);
    } finally {
      await pool.end();
    }
  }, 60_000);
  afterAll(async () => {
    for (const app of apps.splice(0)) await app.app.close();
    await Promise.all([redisStoreKind.teardown(), redisClusterStoreKind.teardown(), postgres?.stop()]);
  });

  it('Redis: one command (the create script writes the alias too)', async () => {
    const store = redisStoreKind.make() as RedisQrLoginStore;
    const app = await boot(store);
    const commands = countRedisCommands(store);
    for (let i = 0; i < 3; i++) {
      const before = commands();
      const created = await nativeClient(app.url).create();
      expect(created.status).toBe(201);
      expect(commands() - before).toBe(1);
    }
    await createAndScanByCode(app.url);
  });

  it('Redis Cluster: two commands sent together (alias and record are on different slots), and the code works', async () => {
    const store = redisClusterStoreKind.make() as RedisQrLoginStore;
    const app = await boot(store);
    const commands = countRedisCommands(store);
    const before = commands();
    expect((await nativeClient(app.url).create()).status).toBe(201);
    expect(commands() - before).toBe(2);
    await createAndScanByCode(app.url);
  });

  it('PostgreSQL: one statement (the record and its alias in one CTE)', async () => {
    // No sweeps during the test: they would run statements of their own.
    const store = new PostgresQrLoginStore({ connectionString: postgres.url, sweepInterval: 3_600_000 });
    const app = await boot(store);
    const statements = countStatements(store);
    for (let i = 0; i < 3; i++) {
      const before = statements();
      expect((await nativeClient(app.url).create()).status).toBe(201);
      expect(statements() - before).toBe(1);
    }
    await createAndScanByCode(app.url);
  });
});

/** A store written without `createWithAlias` (as before it existed): every call goes to a memory store. */
function storeWithoutCreateWithAlias(inner: MemoryQrLoginStore, calls: string[]): QrLoginStore {
  return {
    create: (record) => (calls.push('create'), inner.create(record)),
    checkRoom: () => inner.checkRoom(),
    get: (id) => inner.get(id),
    compareAndSet: (id, version, next) => inner.compareAndSet(id, version, next),
    watch: (id) => inner.watch(id),
    rememberOnce: (key, ttl) => inner.rememberOnce(key, ttl),
    setAlias: (alias, id, expiresAt) => (calls.push('setAlias'), inner.setAlias(alias, id, expiresAt)),
    resolveAlias: (alias) => inner.resolveAlias(alias),
    close: () => inner.close(),
  };
}

describe('the kernel with stores that have createWithAlias and stores that do not', () => {
  const apps: Awaited<ReturnType<typeof createTestApp>>[] = [];
  afterAll(async () => {
    for (const app of apps.splice(0)) await app.app.close();
  });

  it('falls back to setAlias then create for a store without createWithAlias, and the user code works', async () => {
    const calls: string[] = [];
    const app = await createTestApp({
      adapter: 'fastify',
      store: storeWithoutCreateWithAlias(new MemoryQrLoginStore(), calls),
    });
    apps.push(app);
    await createAndScanByCode(app.url);
    expect(calls).toEqual(['setAlias', 'create']);
  });

  it('retries with a new user code when createWithAlias reports the alias taken, and stores only the retry', async () => {
    const refused: QrCodeRecord[] = [];
    // Another code holds the first alias tried: the store refuses it and writes nothing.
    class RefusingFirstAlias extends MemoryQrLoginStore {
      override async createWithAlias(record: QrCodeRecord, alias: QrLoginStoreAlias): Promise<boolean> {
        if (refused.length === 0) {
          await this.setAlias(alias.key, newRecord().id, alias.expiresAt);
          refused.push(structuredClone(record));
        }
        return super.createWithAlias(record, alias);
      }
    }
    const store = new RefusingFirstAlias();
    const app = await createTestApp({ adapter: 'express', store });
    apps.push(app);
    const created = await nativeClient(app.url).create();
    expect(created.status).toBe(201);
    expect(refused).toHaveLength(1);
    expect(refused[0].id).toBe(created.body.qrcodeId);
    expect(created.body.userCode.replace('-', '')).not.toBe(refused[0].userCode);
    expect((await store.get(created.body.qrcodeId))?.userCode).toBe(created.body.userCode.replace('-', ''));
    await createAndScanByCode(app.url);
  });
});
