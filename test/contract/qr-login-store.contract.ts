import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryQrLoginStore, type QrLoginStore } from '../../lib';
import { QrLoginStoreUnavailableError, type QrCodeRecord } from '../../lib/plugin';
import { POSTGRES_QR_LOGIN_LISTENER_NAME, PostgresQrLoginStore } from '../../lib/stores/postgres';
import { RedisQrLoginStore } from '../../lib/stores/redis';
import { rowsOf } from '../support/postgres-store-kind';
import { eventually } from '../support/sse';
import type { StoreKind } from '../support/stores';

/** What a watcher received so far. */
export interface Watched {
  records: QrCodeRecord[];
  errors: unknown[];
  completed: boolean;
  subscription: Subscription;
  versions(): number[];
}

/** Subscribes to `store.watch(id)` and records everything it emits. */
export function watchInto(store: QrLoginStore, id: string): Watched {
  const watched = { records: [], errors: [], completed: false } as unknown as Watched;
  watched.versions = () => watched.records.map((record) => record.version);
  watched.subscription = store.watch(id).subscribe({
    next: (record) => watched.records.push(record),
    error: (error) => watched.errors.push(error),
    complete: () => (watched.completed = true),
  });
  return watched;
}

/** A valid record with a fresh id, living a minute unless overridden. */
export function newRecord(overrides: Partial<QrCodeRecord> = {}): QrCodeRecord {
  const now = Date.now();
  return {
    id: `contract-${randomUUID()}`,
    type: 'MOBILE_APP',
    status: 'PENDING',
    version: 1,
    createdAt: now,
    expiresAt: now + 60_000,
    retainUntil: now + 60_000,
    creatorSecretHash: 'c2VjcmV0LWhhc2g',
    requester: { ip: '203.0.113.7', userAgent: 'contract-suite', createdAt: new Date(now).toISOString() },
    customData: { nested: { list: [1, 2, 3] } },
    ...overrides,
  };
}

/** The record as the service would write it next: a copy, one version up, with `changes` applied. */
export function successor(record: QrCodeRecord, changes: Partial<QrCodeRecord> = {}): QrCodeRecord {
  return { ...structuredClone(record), version: record.version + 1, ...changes };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function redisOf(store: RedisQrLoginStore): Redis {
  return store.client as Redis;
}

/**
 * Subscribers of a code's channel on the whole Redis server or cluster (every
 * connection, every process). Sharded channels are counted with
 * `PUBSUB SHARDNUMSUB` on every master, since only the slot's owner knows them.
 */
async function subscribersOf(store: RedisQrLoginStore, id: string): Promise<number> {
  const client = store.client;
  const channel = store.channelOf(id);
  if (store.pubsub === 'sharded') {
    const nodes: Redis[] = (client as Cluster).isCluster ? (client as Cluster).nodes('master') : [client as Redis];
    let total = 0;
    for (const node of nodes) {
      const reply = (await node.call('PUBSUB', 'SHARDNUMSUB', channel)) as [string, number | string];
      total += Number(reply[1]);
    }
    return total;
  }
  const reply = (await redisOf(store).pubsub('NUMSUB', channel)) as [string, number | string];
  return Number(reply[1]);
}

/** LISTEN connections of the store's kind on the whole PostgreSQL server, or of one backend when `pid` is given. */
async function listenersOf(store: PostgresQrLoginStore, pid?: number): Promise<number> {
  const { rows } = await store.pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND ($2::int IS NULL OR pid = $2)',
    [POSTGRES_QR_LOGIN_LISTENER_NAME, pid ?? null],
  );
  return Number(rows[0].n);
}

/** Stores that count their watched ids. */
function countsWatchers(store: QrLoginStore): store is MemoryQrLoginStore | RedisQrLoginStore | PostgresQrLoginStore {
  return (
    store instanceof MemoryQrLoginStore || store instanceof RedisQrLoginStore || store instanceof PostgresQrLoginStore
  );
}

/**
 * The guarantees every `QrLoginStore` makes (see its doc comment), checked
 * against real instances of one store kind. The embedded memory store keeps
 * state per instance; every other store exists to share state, so two
 * instances of it must see each other's records and changes.
 */
export function describeQrLoginStoreContract(kind: StoreKind): void {
  describe(`QrLoginStore contract: ${kind.name}`, () => {
    const opened: QrLoginStore[] = [];
    const watches: Watched[] = [];

    const open = (): QrLoginStore => {
      const store = kind.make();
      opened.push(store);
      return store;
    };
    const watch = (store: QrLoginStore, id: string): Watched => {
      const watched = watchInto(store, id);
      watches.push(watched);
      return watched;
    };
    /** A writer and a watcher: two instances where state is shared, else one. */
    const pair = (): [QrLoginStore, QrLoginStore] => {
      const writer = open();
      return [writer, writer instanceof MemoryQrLoginStore ? writer : open()];
    };

    beforeAll(() => kind.setup());
    afterEach(async () => {
      for (const watched of watches.splice(0)) watched.subscription.unsubscribe();
      await Promise.all(opened.splice(0).map((store) => store.close?.()));
    });
    afterAll(() => kind.teardown());

    it('returns what was created, as copies that do not alias the store', async () => {
      const store = open();
      const record = newRecord();
      const original = structuredClone(record);
      await store.create(record);
      record.status = 'CANCELLED';
      record.customData!.nested = 'changed after create';

      const first = await store.get(record.id);
      expect(first).toEqual(original);
      first!.status = 'SCANNED';
      first!.requester.ip = '198.51.100.1';
      expect(await store.get(record.id)).toEqual(original);
    });

    it('answers null for an id it does not know', async () => {
      expect(await open().get(`contract-${randomUUID()}`)).toBeNull();
    });

    it('refuses to create an id twice and keeps the first record', async () => {
      const [a, b] = pair();
      const record = newRecord();
      await a.create(record);
      await expect(a.create({ ...record, status: 'SCANNED' })).rejects.toThrow(/exists/);
      await expect(b.create({ ...record, status: 'CANCELLED' })).rejects.toThrow(/exists/);
      expect(await b.get(record.id)).toEqual(record);
    });

    it('compareAndSet writes only over the expected version, and stores a copy', async () => {
      const [a, b] = pair();
      const record = newRecord();
      await a.create(record);

      expect(await a.compareAndSet(record.id, 2, successor(record, { version: 3, status: 'SCANNED' }))).toBe(false);
      expect(await b.get(record.id)).toEqual(record);

      const next = successor(record, { status: 'SCANNED' });
      expect(await b.compareAndSet(record.id, 1, next)).toBe(true);
      const written = structuredClone(next);
      next.status = 'CANCELLED';
      expect(await a.get(record.id)).toEqual(written);

      // The old version lost its chance with the first write.
      expect(await a.compareAndSet(record.id, 1, successor(record, { status: 'CANCELLED' }))).toBe(false);
      expect(await a.get(record.id)).toEqual(written);
      expect(await a.compareAndSet(record.id, 2, successor(written, { status: 'AUTHORIZED' }))).toBe(true);
      expect((await b.get(record.id))!.version).toBe(3);
    });

    it('lets exactly one of 200 concurrent compareAndSets with the same expected version win', async () => {
      const [a, b] = pair();
      const stores = [a, b];
      const record = newRecord();
      await a.create(record);
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, attempt) =>
          stores[attempt % 2].compareAndSet(record.id, 1, successor(record, { customData: { attempt } })),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = await b.get(record.id);
      expect(stored!.version).toBe(2);
      expect(stored!.customData).toEqual({ attempt: results.indexOf(true) });
    });

    it('forgets a record once retainUntil has passed, by itself, and frees what it held', async () => {
      const store = open();
      const record = newRecord({ expiresAt: Date.now() + 400, retainUntil: Date.now() + 400 });
      await store.create(record);
      expect(await store.get(record.id)).toEqual(record);
      if (store instanceof MemoryQrLoginStore) {
        expect([store.size, store.timers]).toEqual([1, 1]);
      }
      if (store instanceof RedisQrLoginStore) {
        // Redis removes it by TTL; a store that only filtered on read would leave the key forever.
        const ttl = await redisOf(store).pttl(store.keyOf(record.id));
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(400);
      }
      if (store instanceof PostgresQrLoginStore) {
        // The record and its first version.
        expect(await rowsOf(store, record.id)).toBe(2);
      }

      // No read in between: the store must let go on its own.
      await sleep(Math.max(record.retainUntil - Date.now(), 0) + 20);
      if (store instanceof MemoryQrLoginStore) {
        await eventually(() => store.size === 0 && store.timers === 0, 2_000, 'the expiry timer to free the record');
      }
      if (store instanceof RedisQrLoginStore) {
        expect(await redisOf(store).exists(store.keyOf(record.id))).toBe(0);
      }
      if (store instanceof PostgresQrLoginStore) {
        // Reads ignore the expired row at once; the sweeper deletes it on its next tick.
        expect(await store.get(record.id)).toBeNull();
        await eventually(
          async () => (await rowsOf(store, record.id)) === 0,
          5_000,
          'the sweeper to delete the expired rows',
        );
      }
      expect(await store.get(record.id)).toBeNull();
      expect(await store.compareAndSet(record.id, 1, successor(record))).toBe(false);
      expect(await store.get(record.id)).toBeNull();
    });

    it('compareAndSet moves the expiry to the new retainUntil, later or earlier', async () => {
      const store = open();
      const record = newRecord({ retainUntil: Date.now() + 300 });
      await store.create(record);
      const extended = successor(record, { status: 'SCANNED', retainUntil: Date.now() + 60_000 });
      expect(await store.compareAndSet(record.id, 1, extended)).toBe(true);
      await sleep(Math.max(record.retainUntil - Date.now(), 0) + 100);
      expect(await store.get(record.id)).toEqual(extended);

      const shortened = successor(extended, { status: 'CANCELLED', retainUntil: Date.now() + 200 });
      expect(await store.compareAndSet(record.id, 2, shortened)).toBe(true);
      await sleep(Math.max(shortened.retainUntil - Date.now(), 0) + 50);
      expect(await store.get(record.id)).toBeNull();
    });

    it('delivers the create and every change to a watcher, in version order (from another instance where state is shared)', async () => {
      const [writer, watcher] = pair();
      const record = newRecord();
      const seen = watch(watcher, record.id);
      // Subscribe, then read: what the service does before it relies on the feed.
      expect(await watcher.get(record.id)).toBeNull();

      await writer.create(record);
      const written = [record];
      for (const status of ['SCANNED', 'SCANNED', 'AUTHORIZED', 'AUTHORIZED'] as const) {
        const next = successor(written.at(-1)!, { status });
        expect(await writer.compareAndSet(record.id, next.version - 1, next)).toBe(true);
        written.push(next);
      }
      await eventually(() => seen.records.length >= 5, 5_000, 'five changes on the watcher');
      expect(seen.records).toEqual(written);
      expect(seen.errors).toEqual([]);
      expect(seen.completed).toBe(false);
    });

    it('misses no change made after a read that follows watch(), even while changes keep coming', async () => {
      const [writer, watcher] = pair();
      const record = newRecord();
      await writer.create(record);
      const writing = (async () => {
        let current = record;
        for (let round = 0; round < 40; round++) {
          const next = successor(current, { customData: { round } });
          if (!(await writer.compareAndSet(record.id, current.version, next)))
            throw new Error('lost a write to nobody');
          current = next;
        }
        return current;
      })();
      await sleep(1);
      const seen = watch(watcher, record.id);
      const read = await watcher.get(record.id);
      const last = await writing;

      const missing = () => {
        const versions = seen.versions();
        return Array.from({ length: last.version - read!.version }, (_, i) => read!.version + 1 + i).filter(
          (version) => !versions.includes(version),
        );
      };
      await eventually(() => missing().length === 0, 5_000, 'every version after the read on the watcher');
      expect(missing()).toEqual([]);
      const versions = seen.versions();
      for (let i = 1; i < versions.length; i++) expect(versions[i]).toBeGreaterThan(versions[i - 1]);
    });

    it('gives each watcher its own copy', async () => {
      const [writer, watcher] = pair();
      const record = newRecord();
      const one = watch(watcher, record.id);
      const two = watch(watcher, record.id);
      await watcher.get(record.id);
      await writer.create(record);
      await eventually(
        () => one.records.length === 1 && two.records.length === 1,
        5_000,
        'the create on both watchers',
      );
      one.records[0].customData!.nested = 'changed by one watcher';
      expect(two.records[0]).toEqual(record);
      expect(await watcher.get(record.id)).toEqual(record);
    });

    it('shares one subscription per id, and releases it when the last watcher leaves', async () => {
      const [writer, watcher] = pair();
      const record = newRecord();
      await writer.create(record);
      const one = watch(watcher, record.id);
      const two = watch(watcher, record.id);
      await watcher.get(record.id);
      if (countsWatchers(watcher)) expect(watcher.watchedIds).toBe(1);
      if (watcher instanceof RedisQrLoginStore) expect(await subscribersOf(watcher, record.id)).toBe(1);
      if (watcher instanceof PostgresQrLoginStore) {
        // One LISTEN connection serves every id: a second watched id adds no connection.
        const pid = watcher.listenerPid;
        expect(pid).toBeTypeOf('number');
        const other = watch(watcher, `${record.id}-other`);
        await watcher.get(`${record.id}-other`);
        expect(watcher.watchedIds).toBe(2);
        expect(watcher.listenerPid).toBe(pid);
        await eventually(async () => (await listenersOf(watcher)) === 1, 5_000, 'one LISTEN connection on the server');
        expect(await listenersOf(watcher, pid)).toBe(1);
        other.subscription.unsubscribe();
        expect(watcher.watchedIds).toBe(1);
      }

      one.subscription.unsubscribe();
      const v2 = successor(record);
      expect(await writer.compareAndSet(record.id, 1, v2)).toBe(true);
      await eventually(() => two.records.length === 1, 5_000, 'the change on the remaining watcher');
      expect(one.records).toEqual([]);
      if (watcher instanceof RedisQrLoginStore) expect(await subscribersOf(watcher, record.id)).toBe(1);

      two.subscription.unsubscribe();
      if (countsWatchers(watcher)) expect(watcher.watchedIds).toBe(0);
      if (watcher instanceof RedisQrLoginStore) {
        await eventually(
          async () => (await subscribersOf(watcher, record.id)) === 0,
          5_000,
          'UNSUBSCRIBE to reach Redis',
        );
      }

      // Released is not broken: the next watcher is served again.
      const three = watch(watcher, record.id);
      await watcher.get(record.id);
      const v3 = successor(v2);
      expect(await writer.compareAndSet(record.id, 2, v3)).toBe(true);
      await eventually(() => three.records.length === 1, 5_000, 'the change on a new watcher');
      expect(three.records).toEqual([v3]);
      expect(two.records).toEqual([v2]);
    });

    it('keeps the subscriptions of watchers that come and go quickly in order', async () => {
      const [writer, watcher] = pair();
      const record = newRecord();
      // Right after opening, while a networked store may still be connecting.
      for (let round = 0; round < 5; round++) watch(watcher, record.id).subscription.unsubscribe();
      const staying = watch(watcher, record.id);
      expect(await watcher.get(record.id)).toBeNull();
      if (watcher instanceof RedisQrLoginStore) expect(await subscribersOf(watcher, record.id)).toBe(1);
      if (countsWatchers(watcher)) expect(watcher.watchedIds).toBe(1);
      await writer.create(record);
      const next = successor(record);
      expect(await writer.compareAndSet(record.id, 1, next)).toBe(true);
      await eventually(
        () => staying.records.length === 2,
        5_000,
        'the create and the change on the watcher that stayed',
      );
      expect(staying.records).toEqual([record, next]);
      staying.subscription.unsubscribe();
      if (watcher instanceof RedisQrLoginStore) {
        await eventually(
          async () => (await subscribersOf(watcher, record.id)) === 0,
          5_000,
          'UNSUBSCRIBE to reach Redis',
        );
      }
    });

    it('rememberOnce is true once per key while it lives, on every instance, and the key is forgotten after its ttl', async () => {
      const [a, b] = pair();
      const key = `nonce-${randomUUID()}`;
      expect(await a.rememberOnce(key, 60_000)).toBe(true);
      expect(await a.rememberOnce(key, 60_000)).toBe(false);
      expect(await b.rememberOnce(key, 60_000)).toBe(false);
      expect(await b.rememberOnce(`${key}-other`, 60_000)).toBe(true);

      const short = `short-${randomUUID()}`;
      expect(await a.rememberOnce(short, 150)).toBe(true);
      expect(await b.rememberOnce(short, 150)).toBe(false);
      // Only "eventually": how late the store forgets is not measured, only that it does.
      await eventually(async () => (await b.rememberOnce(short, 60_000)) === true, 5_000, 'the short fact to expire');
      expect(await a.rememberOnce(short, 60_000)).toBe(false);
    });

    it('lets exactly one of 200 concurrent rememberOnce calls for one key through', async () => {
      const [a, b] = pair();
      const key = `race-${randomUUID()}`;
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => [a, b][i % 2].rememberOnce(key, 60_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('setAlias points an alias at an id once, resolveAlias reads it on every instance until it expires', async () => {
      const [a, b] = pair();
      const alias = `ALIAS-${randomUUID()}`;
      expect(await b.resolveAlias(alias)).toBeNull();
      expect(await a.setAlias(alias, 'code-one', Date.now() + 60_000)).toBe(true);
      expect(await b.resolveAlias(alias)).toBe('code-one');
      expect(await b.setAlias(alias, 'code-two', Date.now() + 60_000)).toBe(false);
      expect(await a.resolveAlias(alias)).toBe('code-one');

      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          [a, b][i % 2].setAlias(`${alias}-race`, `code-${i}`, Date.now() + 60_000),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await a.resolveAlias(`${alias}-race`)).toBe(`code-${results.indexOf(true)}`);

      const brief = `${alias}-brief`;
      expect(await a.setAlias(brief, 'code-brief', Date.now() + 150)).toBe(true);
      await eventually(async () => (await b.resolveAlias(brief)) === null, 5_000, 'the alias to expire');
      // An expired alias is free again.
      expect(await b.setAlias(brief, 'code-next', Date.now() + 60_000)).toBe(true);
      expect(await a.resolveAlias(brief)).toBe('code-next');
    });

    it('close() releases records, timers, watchers and connections', async () => {
      const [writer, watcher] = pair();
      const probe = open();
      const record = newRecord();
      await writer.create(record);
      const seen = watch(watcher, record.id);
      await watcher.get(record.id);
      if (watcher instanceof RedisQrLoginStore) expect(await subscribersOf(watcher, record.id)).toBe(1);
      const listenerPid = watcher instanceof PostgresQrLoginStore ? watcher.listenerPid : undefined;
      if (watcher instanceof PostgresQrLoginStore) expect(listenerPid).toBeTypeOf('number');

      await watcher.close?.();
      await watcher.close?.();
      if (watcher instanceof MemoryQrLoginStore) {
        expect([watcher.size, watcher.timers, watcher.watchedIds]).toEqual([0, 0, 0]);
      }
      if (watcher instanceof RedisQrLoginStore) {
        expect(watcher.watchedIds).toBe(0);
        expect(seen.errors).toHaveLength(1);
        expect(seen.errors[0]).toBeInstanceOf(QrLoginStoreUnavailableError);
        expect(watcher.client.status).toBe('end');
        await eventually(
          async () => (await subscribersOf(probe as RedisQrLoginStore, record.id)) === 0,
          5_000,
          'the subscriber to disconnect',
        );
        await expect(watcher.get(record.id)).rejects.toBeInstanceOf(QrLoginStoreUnavailableError);
      }
      if (watcher instanceof PostgresQrLoginStore) {
        expect(watcher.watchedIds).toBe(0);
        expect(seen.errors).toHaveLength(1);
        expect(seen.errors[0]).toBeInstanceOf(QrLoginStoreUnavailableError);
        // The pool it created is ended, the LISTEN connection with it.
        expect(watcher.pool.ending).toBe(true);
        expect(watcher.pool.totalCount).toBe(0);
        await eventually(
          async () => (await listenersOf(probe as PostgresQrLoginStore, listenerPid)) === 0,
          5_000,
          'the LISTEN connection to end',
        );
        await expect(watcher.get(record.id)).rejects.toBeInstanceOf(QrLoginStoreUnavailableError);
      }
      if (writer !== watcher) {
        expect(await writer.compareAndSet(record.id, 1, successor(record))).toBe(true);
        expect((await probe.get(record.id))!.version).toBe(2);
      }
      await sleep(50);
      expect(seen.records).toEqual([]);
    });
  });
}
