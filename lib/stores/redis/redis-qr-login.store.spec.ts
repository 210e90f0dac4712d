import { Logger, type LoggerService } from '@nestjs/common';
import { type Cluster, Redis } from 'ioredis';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { withoutPackage } from '../../../test/support/missing-package';
import { commandStat } from '../../../test/support/redis-command-stats';
import type { RedisServer } from '../../../test/support/redis-server';
import { redisPerFile } from '../../../test/support/server-per-file';
import { eventually } from '../../../test/support/sse';
import { QrLoginConfigError, QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import { newRecord, successor, watchInto, type Watched } from '../../testing/store-contract.helpers';
import { CLUSTER_FAIL_FAST_OPTIONS } from './redis-connection';
import { RedisQrLoginStore } from './redis-qr-login.store';

/*
 * The Redis store against a real redis-server on a free port, past what the
 * shared contract checks: its options, the exact keys, expiries and channels
 * it writes, one-time facts and aliases at their bounds, the read cache of
 * watched codes, and closing.
 */

describe('RedisQrLoginStore', () => {
  let server: RedisServer;
  let admin: Redis;
  const stores: RedisQrLoginStore[] = [];
  const clients: Redis[] = [];
  const watches: Watched[] = [];
  const open = (options: ConstructorParameters<typeof RedisQrLoginStore>[0] = { url: server.url }) => {
    const store = new RedisQrLoginStore(options);
    stores.push(store);
    return store;
  };
  const connect = () => {
    const client = new Redis(server.url);
    clients.push(client);
    return client;
  };
  const watch = (store: RedisQrLoginStore, id: string) => {
    const seen = watchInto(store, id);
    watches.push(seen);
    return seen;
  };
  /** The store's subscriber connection (its change feed's). */
  const subscriberOf = (store: RedisQrLoginStore) =>
    (store as unknown as { feed: { subscriber: Redis } }).feed.subscriber;
  /** How many times Redis ran `command` since the server started. */
  const calls = (command: string) => commandStat(admin, command);

  /** What `read` answered, and how many HGETs Redis ran meanwhile. */
  const hgetsOf = async (read: () => Promise<unknown>) => {
    const before = await calls('hget');
    const answer = await read();
    return [answer, (await calls('hget')) - before];
  };

  redisPerFile((parts) => ({ server, admin } = parts));
  afterEach(async () => {
    for (const watched of watches.splice(0)) watched.subscription.unsubscribe();
    await Promise.all(stores.splice(0).map((store) => store.close()));
    for (const client of clients.splice(0)) client.disconnect();
  });

  describe('options', () => {
    const misconfigured = (message: string) => `QrLoginModule is misconfigured: ${message}`;

    it('names what was given when it is not exactly one of client, url, options and cluster', () => {
      const expected = (got: string) =>
        misconfigured(
          `RedisQrLoginStore needs exactly one of "client" (a ready ioredis client), "url", "options" or "cluster"; got ${got}.`,
        );
      expect(() => new RedisQrLoginStore({})).toThrow(QrLoginConfigError);
      expect(() => new RedisQrLoginStore({})).toThrow(expected('none'));
      expect(() => new RedisQrLoginStore(undefined as never)).toThrow(expected('none'));
      expect(() => new RedisQrLoginStore({ url: 'redis://x', options: {}, cluster: { nodes: [] } })).toThrow(
        expected('"url" and "options" and "cluster"'),
      );
      expect(() => new RedisQrLoginStore({ client: {} as Redis, url: 'redis://x' })).toThrow(
        expected('"client" and "url"'),
      );
      // A field present but undefined counts as not given.
      expect(() => new RedisQrLoginStore({ url: undefined, options: undefined })).toThrow(expected('none'));
    });

    it('refuses a key prefix that is empty, not a string, or holds a brace', () => {
      for (const keyPrefix of ['', 'app{1', 'app}1', 42]) {
        expect(() => new RedisQrLoginStore({ url: 'redis://x', keyPrefix: keyPrefix as string })).toThrow(
          misconfigured(
            `RedisQrLoginStore "keyPrefix" must be a non-empty string without "{" or "}" (they would break the Cluster hash tags); got ${JSON.stringify(keyPrefix)}.`,
          ),
        );
      }
    });

    it('says how to install ioredis when it is missing, unless given a client', () => {
      const missing = misconfigured(
        'RedisQrLoginStore needs the "ioredis" package (version 5 or later), which is not installed. Run `npm install ioredis`, or pass a ready ioredis client as the "client" option.',
      );
      for (const options of [
        { url: server.url },
        { options: {} },
        { cluster: { nodes: [{ host: '127.0.0.1', port: 1 }] } },
      ]) {
        expect(() => withoutPackage('ioredis', () => open(options))).toThrow(missing);
      }
      expect(withoutPackage('ioredis', () => open({ client: connect() })).pubsub).toBe('classic');
    });

    it('refuses a cluster without startup nodes', () => {
      for (const nodes of [[], undefined, 'redis-1:6379']) {
        expect(() => new RedisQrLoginStore({ cluster: { nodes: nodes as never } })).toThrow(
          misconfigured(
            'RedisQrLoginStore "cluster.nodes" must list at least one startup node, e.g. { cluster: { nodes: [{ host: "redis-1", port: 6379 }] } }.',
          ),
        );
      }
    });

    it('refuses a pub/sub flavour it does not know, and takes classic on a single node unless told', async () => {
      const client = connect();
      expect(() => new RedisQrLoginStore({ client, pubsub: 'fanout' as never })).toThrow(
        misconfigured(`RedisQrLoginStore "pubsub" must be 'sharded' or 'classic'; got "fanout".`),
      );
      expect(open({ client }).pubsub).toBe('classic');
      expect(open({ client, pubsub: 'classic' }).pubsub).toBe('classic');
      expect(open({ client, pubsub: 'sharded' }).pubsub).toBe('sharded');
    });

    it('lays given connection options over its own and owns the connections it creates', async () => {
      const store = open({ options: { host: '127.0.0.1', port: server.port, connectionName: 'from-options' } });
      expect(await store.get('nothing')).toBeNull();
      expect(await store.client.client('GETNAME')).toBe('from-options');
      expect(store.client.options.enableOfflineQueue).toBe(false);
      await store.close();
      expect(store.client.status).toBe('end');
      // A field given wins over the store's default.
      const queued = open({ options: { host: '127.0.0.1', port: server.port, enableOfflineQueue: true } });
      expect(queued.client.options.enableOfflineQueue).toBe(true);
      expect(open({ url: server.url }).client.options.enableOfflineQueue).toBe(false);
    });
  });

  describe('on a Cluster', () => {
    it('lays given Cluster options over its own fail-fast ones, and names the command connection when it fails', async () => {
      const lines: string[] = [];
      Logger.overrideLogger({
        log: () => undefined,
        warn: (message: string) => lines.push(message),
        error: () => undefined,
      });
      try {
        const store = open({
          cluster: {
            nodes: [{ host: '127.0.0.1', port: server.port }],
            options: { lazyConnect: true, redisOptions: { connectionName: 'from-cluster' } },
          },
        });
        const { options } = store.client as Cluster;
        expect(options.enableOfflineQueue).toBe(false);
        expect(options.lazyConnect).toBe(true);
        expect(options.redisOptions).toEqual({
          ...CLUSTER_FAIL_FAST_OPTIONS.redisOptions,
          connectionName: 'from-cluster',
        });
        expect(store.pubsub).toBe('sharded');
        store.client.emit('error', new Error('CLUSTERDOWN'));
        expect(lines).toEqual([
          'Redis command connection failed (CLUSTERDOWN); store calls fail with QrLoginStoreUnavailableError until it reconnects, which it keeps trying.',
        ]);
      } finally {
        Logger.overrideLogger(true);
      }
    });
  });

  describe('keys and channels', () => {
    it('writes a code as { version, record } under "qr-login:{id}", expiring at retainUntil rounded up, and publishes it', async () => {
      const store = open();
      const listener = connect();
      const record = newRecord({ retainUntil: Date.now() + 60_000.4 });
      const published: Array<[string, string]> = [];
      await listener.subscribe(`qr-login:{${record.id}}:changes`);
      listener.on('message', (channel: string, message: string) => published.push([channel, message]));
      await store.create(record);
      expect(store.keyOf(record.id)).toBe(`qr-login:{${record.id}}`);
      expect(store.channelOf(record.id)).toBe(`qr-login:{${record.id}}:changes`);
      expect(await admin.hgetall(`qr-login:{${record.id}}`)).toEqual({ version: '1', record: JSON.stringify(record) });
      expect(await admin.call('PEXPIRETIME', `qr-login:{${record.id}}`)).toBe(Math.ceil(record.retainUntil));
      await eventually(() => published.length === 1, 5_000, 'the create on the channel');
      expect(published).toEqual([[`qr-login:{${record.id}}:changes`, JSON.stringify(record)]]);

      const next = successor(record, { status: 'SCANNED', retainUntil: record.retainUntil + 10_000 });
      expect(await store.compareAndSet(record.id, 1, next)).toBe(true);
      expect(await admin.hgetall(`qr-login:{${record.id}}`)).toEqual({ version: '2', record: JSON.stringify(next) });
      expect(await admin.call('PEXPIRETIME', `qr-login:{${record.id}}`)).toBe(Math.ceil(next.retainUntil));
      await eventually(() => published.length === 2, 5_000, 'the change on the channel');
      expect(published[1]).toEqual([`qr-login:{${record.id}}:changes`, JSON.stringify(next)]);
    });

    it('keeps one-time facts under "qr-login:once:{key}" and aliases under "qr-login:alias:{alias}", with their own prefix', async () => {
      const store = open({ url: server.url, keyPrefix: 'shop' });
      expect(store.factKeyOf('n')).toBe('shop:once:{n}');
      expect(store.aliasKeyOf('A')).toBe('shop:alias:{A}');
      await store.rememberOnce('n', 60_000);
      await store.setAlias('A', 'code-1', Date.now() + 60_000);
      expect(await admin.get('shop:once:{n}')).toBe('1');
      expect(await admin.get('shop:alias:{A}')).toBe('code-1');
      expect(open().factKeyOf('n')).toBe('qr-login:once:{n}');
    });

    it('counts rate limits under "<keyPrefix>:rate" on its own connection', async () => {
      const store = open({ url: server.url, keyPrefix: 'shop' });
      expect(await store.createRateLimiter().hit('1.2.3.4', 5, 60_000)).toMatchObject({ allowed: true, count: 1 });
      expect(await admin.get('shop:rate:{1.2.3.4}')).toBe('1');
    });
  });

  describe('one-time facts and aliases', () => {
    it('rememberOnce keeps a fact for its ttl rounded up, and for at least 1 ms', async () => {
      const store = open();
      expect(await store.rememberOnce('k', 60_000.2)).toBe(true);
      const ttl = await admin.pttl('qr-login:once:{k}');
      expect(ttl).toBeGreaterThan(59_000);
      expect(ttl).toBeLessThanOrEqual(60_001);
      expect(await store.rememberOnce('k', 60_000)).toBe(false);
      // A ttl of 0 or less still makes a (1 ms) fact, which Redis takes.
      expect(await store.rememberOnce('zero', 0)).toBe(true);
      expect(await store.rememberOnce('negative', -5)).toBe(true);
    });

    it('setAlias sets an alias expiring at expiresAt rounded up, once, and resolveAlias reads it', async () => {
      const store = open();
      const expiresAt = Date.now() + 60_000.5;
      expect(await store.setAlias('A', 'code-1', expiresAt)).toBe(true);
      expect(await admin.call('PEXPIRETIME', 'qr-login:alias:{A}')).toBe(Math.ceil(expiresAt));
      expect(await store.setAlias('A', 'code-2', expiresAt)).toBe(false);
      expect(await store.resolveAlias('A')).toBe('code-1');
      expect(await store.resolveAlias('B')).toBeNull();
      // An expiry already passed sets nothing that lasts.
      expect(await store.setAlias('past', 'code-3', 0)).toBe(true);
      expect(await store.resolveAlias('past')).toBeNull();
    });

    it('createWithAlias on one node writes both, or nothing when the alias is live, and refuses an id that exists', async () => {
      const store = open();
      const record = newRecord();
      const expiresAt = Date.now() + 30_000.5;
      expect(await store.createWithAlias(record, { key: 'K', expiresAt })).toBe(true);
      expect(await store.resolveAlias('K')).toBe(record.id);
      expect(await admin.call('PEXPIRETIME', 'qr-login:alias:{K}')).toBe(Math.ceil(expiresAt));
      expect(await store.get(record.id)).toEqual(record);

      const other = newRecord();
      expect(await store.createWithAlias(other, { key: 'K', expiresAt })).toBe(false);
      expect(await admin.exists(store.keyOf(other.id))).toBe(0);
      await expect(store.createWithAlias(record, { key: 'L', expiresAt })).rejects.toThrow(
        `A QR code with id ${record.id} exists already.`,
      );
      expect(await store.resolveAlias('L')).toBeNull();
      await expect(store.create(record)).rejects.toThrow(`A QR code with id ${record.id} exists already.`);
    });

    it('caches nothing for a watched code whose create was refused for its alias', async () => {
      const store = open();
      await store.setAlias('K', 'someone-else', Date.now() + 60_000);
      const record = newRecord();
      const seen = watch(store, record.id);
      expect(await store.get(record.id)).toBeNull();
      expect(await store.createWithAlias(record, { key: 'K', expiresAt: Date.now() + 60_000 })).toBe(false);
      expect(await store.get(record.id)).toBeNull();
      expect(seen.records).toEqual([]);
    });
  });

  describe('failures', () => {
    it('names the step Redis refused, for every call', async () => {
      await admin.acl('SETUSER', 'no-data', 'on', '>secret', '~*', '&*', '-@all', '+@connection', '+info', '+client');
      try {
        const store = open({ url: `redis://no-data:secret@127.0.0.1:${server.port}` });
        const record = newRecord();
        const refusals = await Promise.all(
          [
            () => store.create(record),
            () => store.createWithAlias(record, { key: 'K', expiresAt: Date.now() + 60_000 }),
            () => store.get(record.id),
            () => store.compareAndSet(record.id, 1, successor(record)),
            () => store.rememberOnce('k', 1_000),
            () => store.setAlias('A', record.id, Date.now() + 60_000),
            () => store.resolveAlias('A'),
          ].map((call) =>
            call().then(
              () => 'answered',
              (error: Error) => error.message.replace(/: NOPERM .*/s, ': NOPERM'),
            ),
          ),
        );
        expect(refusals).toEqual(
          [
            'create a QR code',
            'create a QR code',
            'read a QR code',
            'update a QR code',
            'remember a one-time fact',
            'store an alias',
            'read an alias',
          ].map((what) => `Redis refused to ${what}: NOPERM`),
        );
      } finally {
        await admin.acl('DELUSER', 'no-data');
      }
    });
  });

  describe('reads of watched codes', () => {
    it('serves what it wrote itself at once, before the channel echoes it', async () => {
      const store = open();
      const record = newRecord();
      const seen = watch(store, record.id);
      expect(await store.get(record.id)).toBeNull();
      await eventually(() => store.watchedIds === 1, 5_000, 'the watch');
      // Nothing reaches the subscriber meanwhile: what is served can only be what the store wrote.
      const socket = (subscriberOf(store) as unknown as { stream: Socket }).stream;
      socket.pause();
      try {
        await store.create(record);
        expect(await hgetsOf(() => store.get(record.id))).toEqual([record, 0]);
        const next = successor(record, { status: 'SCANNED' });
        expect(await store.compareAndSet(record.id, 1, next)).toBe(true);
        expect(await hgetsOf(() => store.get(record.id))).toEqual([next, 0]);
      } finally {
        socket.resume();
      }
      await eventually(() => seen.records.length === 2, 5_000, 'both changes on the watcher');
    });

    it('serves a watched code from what it wrote or received, asking Redis once at most', async () => {
      const store = open();
      const writer = open();
      const record = newRecord();
      await writer.create(record);
      const seen = watch(store, record.id);
      expect(await hgetsOf(() => store.get(record.id))).toEqual([record, 1]);
      expect(await hgetsOf(() => store.get(record.id))).toEqual([record, 0]);

      // A change from another instance arrives on the channel and is served from there.
      const next = successor(record, { status: 'SCANNED' });
      expect(await writer.compareAndSet(record.id, 1, next)).toBe(true);
      await eventually(() => seen.records.length === 1, 5_000, 'the change on the watcher');
      expect(await hgetsOf(() => store.get(record.id))).toEqual([next, 0]);
      // A change this instance wrote is served at once.
      const third = successor(next, { status: 'AUTHORIZED' });
      expect(await store.compareAndSet(record.id, 2, third)).toBe(true);
      expect(await hgetsOf(() => store.get(record.id))).toEqual([third, 0]);
    });

    it('asks Redis again after losing a compare-and-set, since the winner may not have arrived yet', async () => {
      const store = open();
      const record = newRecord();
      await store.create(record);
      watch(store, record.id);
      expect(await store.get(record.id)).toEqual(record);
      // Another writer moves the record without publishing (as if its message were still on the way).
      const winner = successor(record, { status: 'CANCELLED' });
      await admin.hset(store.keyOf(record.id), 'version', '2', 'record', JSON.stringify(winner));
      expect(await store.get(record.id)).toEqual(record);
      expect(await store.compareAndSet(record.id, 1, successor(record, { status: 'SCANNED' }))).toBe(false);
      expect(await store.get(record.id)).toEqual(winner);
    });

    it('reads an unwatched code from Redis every time', async () => {
      const store = open();
      const record = newRecord();
      await store.create(record);
      expect(await hgetsOf(() => store.get(record.id))).toEqual([record, 1]);
      expect(await hgetsOf(() => store.get(record.id))).toEqual([record, 1]);
    });
  });

  describe('closing', () => {
    it('warns when a connection it made fails, and not once it is closing', async () => {
      const lines: string[] = [];
      const recorder: LoggerService = {
        log: (message: string) => lines.push(`log ${message}`),
        warn: (message: string) => lines.push(`warn ${message}`),
        error: (message: string) => lines.push(`error ${message}`),
      };
      Logger.overrideLogger(recorder);
      try {
        const failing = open();
        const closed = open();
        await Promise.all([failing.get('nothing'), closed.get('nothing')]);
        failing.client.emit('error', new Error('read ECONNRESET'));
        subscriberOf(failing).emit('error', new Error('read ETIMEDOUT'));
        expect(lines).toEqual([
          'warn Redis command connection failed (read ECONNRESET); store calls fail with QrLoginStoreUnavailableError until it reconnects, which it keeps trying.',
          'warn Redis subscriber connection failed (read ETIMEDOUT); watches fail with QrLoginStoreUnavailableError until it reconnects, which it keeps trying.',
        ]);
        // A connection torn down by close() may still report errors: they are not an outage.
        const closing = closed.close();
        closed.client.emit('error', new Error('Connection is closed.'));
        await closing;
        closed.client.emit('error', new Error('Connection is closed.'));
        expect(lines).toHaveLength(2);
      } finally {
        Logger.overrideLogger(true);
      }
    });

    it('lets a call in flight on its own connection finish before closing it', async () => {
      const store = open();
      const record = newRecord();
      await store.create(record);
      const reading = store.get(record.id);
      await store.close();
      expect(await reading).toEqual(record);
    });

    it('ends watches and refuses calls once closed, and closes once however often asked', async () => {
      const store = open();
      const record = newRecord();
      await store.create(record);
      const seen = watch(store, record.id);
      await store.get(record.id);
      const closing = store.close();
      expect(store.close()).toBe(closing);
      await closing;
      expect(seen.errors).toHaveLength(1);
      expect((seen.errors[0] as Error).message).toBe('The Redis QR login store was closed (the app is shutting down).');
      for (const call of [
        () => store.get(record.id),
        () => store.rememberOnce('k', 1_000),
        () => store.resolveAlias('A'),
      ]) {
        const failure = await call().catch((error: unknown) => error as Error);
        expect(failure).toBeInstanceOf(QrLoginStoreUnavailableError);
        expect((failure as Error).message).toBe('The Redis QR login store was closed (the app is shutting down).');
      }
      const late = watch(store, record.id);
      expect((late.errors[0] as Error).message).toBe('The Redis QR login store was closed (the app is shutting down).');
      expect(store.client.status).toBe('end');
    });
  });
});
