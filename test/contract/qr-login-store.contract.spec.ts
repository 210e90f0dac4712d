import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QrLoginConfigError, type QrLoginStore } from '../../lib';
import { QrLoginStoreUnavailableError } from '../../lib/plugin';
import { RedisQrLoginStore } from '../../lib/stores/redis';
import { describeQrLoginStoreContract, newRecord, successor, watchInto, type Watched } from '../../lib/testing';
import { eventually } from '../support/sse';
import { storeProbesFor } from '../support/store-probes';
import { memoryStoreKind, redisClusterStoreKind, STORE_KINDS, type StoreKind } from '../support/stores';
import { startRedisServer, type RedisServer } from '../support/redis-server';

/** The shipped suite (nestjs-qr-login/testing), as a store author runs it, with this package's probes. */
function describeContractOf(kind: StoreKind): void {
  describeQrLoginStoreContract(kind.name, () => kind.make(), {
    framework: { describe, it, beforeAll, afterAll, afterEach },
    // The embedded store keeps state per instance; every other store exists to share it.
    sharesState: kind !== memoryStoreKind,
    setup: () => kind.setup(),
    teardown: () => kind.teardown(),
    probes: storeProbesFor(kind),
  });
}

// The same suite, unchanged, for every store the e2e suites run over.
for (const kind of STORE_KINDS) describeContractOf(kind);
// And on a real Redis Cluster with sharded pub/sub (not an e2e store kind: see redisClusterStoreKind).
describeContractOf(redisClusterStoreKind);

/** Settles `promise` or fails after `ms`: proves a call does not hang, without measuring speed. */
async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<{ value?: T; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    return { value: await Promise.race([promise, hang]) };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('still pending')) throw error;
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

describe('RedisQrLoginStore beyond the contract', () => {
  let server: RedisServer;
  const stores: QrLoginStore[] = [];
  const clients: Redis[] = [];
  const watches: Watched[] = [];
  const open = (options: ConstructorParameters<typeof RedisQrLoginStore>[0] = { url: server.url }) => {
    const store = new RedisQrLoginStore(options);
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterEach(async () => {
    for (const watched of watches.splice(0)) watched.subscription.unsubscribe();
    await Promise.all(stores.splice(0).map((store) => store.close?.()));
    for (const client of clients.splice(0)) client.disconnect();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('needs exactly one of client, url and options, and a key prefix that keeps the hash tags intact', () => {
    expect(() => new RedisQrLoginStore({})).toThrow(QrLoginConfigError);
    expect(() => new RedisQrLoginStore({})).toThrow(/exactly one of "client".*"url", "options" or "cluster"; got none/);
    expect(() => new RedisQrLoginStore({ url: server.url, options: { port: server.port } })).toThrow(
      /got "url" and "options"/,
    );
    expect(() => new RedisQrLoginStore({ url: server.url, keyPrefix: 'app{1}' })).toThrow(/without "\{" or "\}"/);
    expect(() => new RedisQrLoginStore({ url: server.url, keyPrefix: '' })).toThrow(/non-empty/);
  });

  it('uses a given client without taking it over: a duplicate subscribes, close() leaves the client connected', async () => {
    const client = new Redis(server.url);
    clients.push(client);
    const store = open({ client });
    const record = newRecord();
    const seen = watchInto(store, record.id);
    watches.push(seen);
    await store.get(record.id);
    await store.create(record);
    await eventually(() => seen.records.length === 1, 5_000, 'the create on the watcher');
    expect(await client.hget(store.keyOf(record.id), 'record')).toBe(JSON.stringify(record));

    await store.close();
    expect(client.status).toBe('ready');
    expect(await client.exists(store.keyOf(record.id))).toBe(1);
    expect(seen.errors[0]).toBeInstanceOf(QrLoginStoreUnavailableError);
  });

  it('misses nothing after a read even when the subscriber connection is slower than the command connection', async () => {
    // A ready client answers the read at once while the store's new subscriber still connects:
    // the widest gap between "watch" and "read" there is.
    const client = new Redis(server.url);
    clients.push(client);
    await client.ping();
    const writer = open();
    await writer.get('warm-up');
    for (let round = 0; round < 3; round++) {
      const store = open({ client });
      const record = newRecord();
      const seen = watchInto(store, record.id);
      watches.push(seen);
      expect(await store.get(record.id)).toBeNull();
      await writer.create(record);
      await eventually(() => seen.records.length === 1, 3_000, 'the create that followed the read');
      expect(seen.records).toEqual([record]);
    }
  });

  it('keeps apps with different key prefixes apart on one Redis', async () => {
    const first = open({ url: server.url, keyPrefix: 'app-one' });
    const second = open({ options: { host: '127.0.0.1', port: server.port }, keyPrefix: 'app-two' });
    const record = newRecord();
    const seen = watchInto(second, record.id);
    watches.push(seen);
    await second.get(record.id);
    await first.create(record);
    expect(first.keyOf(record.id)).toBe(`app-one:{${record.id}}`);
    expect(await second.get(record.id)).toBeNull();
    await second.create({ ...record, status: 'CANCELLED' });
    expect((await first.get(record.id))!.status).toBe('PENDING');
    expect((await second.get(record.id))!.status).toBe('CANCELLED');
    await eventually(() => seen.records.length === 1, 5_000, 'the second app to see its own create');
    expect(seen.records[0].status).toBe('CANCELLED');
  });

  it('answers every call with QrLoginStoreUnavailableError while Redis is down, ends watchers, and recovers by itself', async () => {
    const store = open();
    const other = open();
    const record = newRecord();
    await store.create(record);
    const seen = watchInto(store, record.id);
    watches.push(seen);
    await store.get(record.id);

    await server.stop();
    try {
      await eventually(() => seen.errors.length === 1, 5_000, 'the watcher to learn that Redis is gone');
      expect(seen.errors[0]).toBeInstanceOf(QrLoginStoreUnavailableError);
      expect(store.watchedIds).toBe(0);

      const calls: Array<[string, () => Promise<unknown>]> = [
        ['create', () => store.create(newRecord())],
        ['get', () => store.get(record.id)],
        ['compareAndSet', () => store.compareAndSet(record.id, 1, successor(record))],
        ['get on a second store', () => other.get(record.id)],
      ];
      for (const [name, call] of calls) {
        const outcome = await settleWithin(call(), 3_000);
        expect(outcome.error, name).toBeInstanceOf(QrLoginStoreUnavailableError);
      }
      const late = watchInto(store, record.id);
      watches.push(late);
      await eventually(() => late.errors.length === 1, 3_000, 'a new watcher to fail while Redis is down');
      expect(late.errors[0]).toBeInstanceOf(QrLoginStoreUnavailableError);
    } finally {
      await server.restart();
    }

    // Redis came back empty (no persistence); the same store instances serve again.
    const fresh = newRecord();
    await eventually(
      async () => {
        try {
          await store.create(fresh);
          return true;
        } catch (error) {
          if (error instanceof QrLoginStoreUnavailableError) return false;
          throw error;
        }
      },
      10_000,
      'the store to reconnect',
    );
    // The subscriber connection reconnects on its own schedule: retry the watch until it is served.
    let again: Watched | undefined;
    await eventually(
      async () => {
        again?.subscription.unsubscribe();
        again = watchInto(other, fresh.id);
        watches.push(again);
        const read = await other.get(fresh.id).catch(() => null);
        return read !== null && again.errors.length === 0;
      },
      10_000,
      'the second store to reconnect',
    );
    expect(await store.compareAndSet(fresh.id, 1, successor(fresh, { status: 'SCANNED' }))).toBe(true);
    await eventually(() => again!.records.length === 1, 5_000, 'the change on a watcher after the outage');
    expect(again!.records[0].status).toBe('SCANNED');
    expect(again!.errors).toEqual([]);
  });

  it('sets a TTL no longer than retainUntil, so Redis drops the key without a read', async () => {
    const store = open();
    const record = newRecord({ expiresAt: Date.now() + 400, retainUntil: Date.now() + 400 });
    await store.create(record);
    const ttl = await (store.client as Redis).pttl(store.keyOf(record.id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(400);
  });

  it('the test helper fails loudly, not silently, when redis-server is missing', async () => {
    await expect(startRedisServer({ binary: 'redis-server-that-is-not-installed' })).rejects.toThrow(
      'redis-server is not installed; install it (apt-get install -y redis-server) — the test suite needs a real Redis',
    );
  });
});
