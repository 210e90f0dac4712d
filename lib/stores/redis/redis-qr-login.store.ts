import { Logger } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
// Types only: ioredis is an optional peer, loaded at run time only when the store has to create a connection.
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { QrLoginConfigError, QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import { requireOptionalPeer } from '../../kernel/qr-login.optional-peer';
import { whenReady } from './redis-connection';
import type { QrCodeRecord } from '../../kernel/interfaces/qr-code.interface';
import type { QrLoginStore } from '../../kernel/interfaces/qr-login-store.interface';

/**
 * How changes travel between instances.
 * - `'sharded'`: `SPUBLISH`/`SSUBSCRIBE` (Redis 7 or later). On a Cluster a
 *   change goes only to the shard that owns the code's slot, instead of being
 *   broadcast over the cluster bus to every node.
 * - `'classic'`: `PUBLISH`/`SUBSCRIBE`, for Redis 6 (on a Cluster, every node
 *   then carries every change).
 */
export type RedisQrLoginPubSub = 'sharded' | 'classic';

/** A Redis Cluster for the store to connect to and own. */
export interface RedisQrLoginClusterOptions {
  /** Startup nodes, e.g. `[{ host: 'redis-1', port: 6379 }]`; the rest of the cluster is discovered from them. */
  nodes: ClusterNode[];
  /**
   * ioredis Cluster options, laid over the store's fail-fast defaults
   * (`redisOptions` is merged field by field). Default: none.
   */
  options?: ClusterOptions;
}

/** Options of `RedisQrLoginStore`. Give exactly one of `client`, `url`, `options` or `cluster`. */
export interface RedisQrLoginStoreOptions {
  /**
   * A ready ioredis client (`Redis`, or `Cluster` for Redis Cluster). The store
   * runs its commands on it and never disconnects it; its pub/sub subscriber is
   * always a `duplicate()` of it, which the store owns. Default: none.
   */
  client?: Redis | Cluster;
  /** Connection URL, e.g. `redis://:password@host:6379/0`; the store creates and owns the connections. Default: none. */
  url?: string;
  /**
   * ioredis connection options; the store creates and owns the connections.
   * They are laid over the store's fail-fast defaults, so a field given here
   * (e.g. `enableOfflineQueue`) overrides the default. Default: none.
   */
  options?: RedisOptions;
  /**
   * A Redis Cluster to connect to; the store creates and owns the `Cluster`
   * client, with the same fail-fast behaviour as for a single node. Default: none.
   */
  cluster?: RedisQrLoginClusterOptions;
  /**
   * Pub/sub flavour of the change feed (see `RedisQrLoginPubSub`). Every
   * instance sharing a Redis must use the same one. Default: `'sharded'` on a
   * Cluster (needs Redis 7; set `'classic'` for a Redis 6 cluster), `'classic'`
   * on a single node.
   */
  pubsub?: RedisQrLoginPubSub;
  /**
   * First part of every key and channel, so several apps can share one Redis
   * without seeing each other's codes. Must not contain `{` or `}`. Default `'qr-login'`.
   */
  keyPrefix?: string;
}

type RedisConnection = Redis | Cluster;

/** The two scripts, as ioredis `defineCommand` adds them to a connection (under the names of SCRIPT_NAMES). */
type ScriptCommands = Record<string, (...args: Array<string | number>) => Promise<number>>;

/*
 * A record is a hash { version, record }: `version` lets the compare-and-set
 * compare without decoding JSON in Lua, `record` is the whole record as JSON.
 * Each script writes, sets the expiry and publishes in one atomic step, so a
 * watcher never sees a change that is not stored, and order on the channel is
 * commit order, which is version order.
 */
const createScript = (publish: string) => `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'record', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('${publish}', ARGV[4], ARGV[2])
return 1
`;

const compareAndSetScript = (publish: string) => `
local stored = redis.call('HGET', KEYS[1], 'version')
if not stored or tonumber(stored) ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'record', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
redis.call('${publish}', ARGV[5], ARGV[3])
return 1
`;

/*
 * Commands are defined on the connection, possibly shared with other stores:
 * each pub/sub flavour has its own names, so two stores of different flavours
 * on one client do not overwrite each other's scripts.
 */
const SCRIPT_NAMES: Record<RedisQrLoginPubSub, { create: string; compareAndSet: string; publish: string }> = {
  classic: { create: 'qrLoginStoreCreate', compareAndSet: 'qrLoginStoreCompareAndSet', publish: 'PUBLISH' },
  sharded: { create: 'qrLoginStoreCreateSharded', compareAndSet: 'qrLoginStoreCompareAndSetSharded', publish: 'SPUBLISH' },
};

/** How long one store call may take, waiting for a connection included, before it fails as unavailable (ms). */
const CALL_TIMEOUT_MS = 1_500;
/** Longest pause between two reconnection attempts of a connection the store created (ms). */
const MAX_RECONNECT_DELAY_MS = 1_000;

/**
 * Defaults for connections the store creates: a call made while Redis is
 * away fails at once (503) instead of waiting in a queue, and the connection
 * keeps trying to come back, so the app recovers by itself.
 */
const FAIL_FAST_OPTIONS: RedisOptions = {
  // Commands issued while disconnected are refused at once instead of being queued until Redis returns.
  enableOfflineQueue: false,
  // Commands in flight when the connection drops fail at once instead of being resent after reconnecting,
  // where they would run long after their caller has been told they failed.
  maxRetriesPerRequest: 0,
  // A Redis host that does not answer (firewalled, powered off) is retried after 2 s rather than 10 s.
  connectTimeout: 2_000,
  // A command Redis never answers fails like one the store gave up on (see `call`).
  commandTimeout: CALL_TIMEOUT_MS,
  // Reconnect forever: 50, 100, 200 … ms, capped, with jitter so many instances do not reconnect in step.
  retryStrategy: (attempt: number) =>
    Math.min(50 * 2 ** Math.min(attempt - 1, 10), MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 100),
};

/**
 * Defaults for a Cluster the store creates (`cluster` option): commands fail
 * at once while the cluster is unreachable, and each node connection gives up
 * on a command after CALL_TIMEOUT_MS. ioredis follows MOVED/ASK redirections
 * and refreshes its slot table after a failover by itself.
 */
const CLUSTER_FAIL_FAST_OPTIONS: ClusterOptions = {
  enableOfflineQueue: false,
  redisOptions: { connectTimeout: 2_000, commandTimeout: CALL_TIMEOUT_MS, maxRetriesPerRequest: 0 },
};

/** The subscriber tracks its channels itself: after a lost connection it fails its watchers instead of resubscribing. */
const SUBSCRIBER_OVERRIDES: RedisOptions = {
  autoResubscribe: false,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
};

/** Replies that mean "Redis cannot serve right now" rather than "this call is wrong". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|OOM|MISCONF|NOREPLICAS|NOAUTH|WRONGPASS)\b/;

interface Channel {
  readonly name: string;
  /** Raw JSON of each published record; every watcher parses its own copy. */
  readonly messages: Subject<string>;
  /** Watchers of this id in this process. */
  refs: number;
  /** Settles (never rejects) once the SUBSCRIBE was confirmed or has failed. */
  ack: Promise<void>;
  /** SUBSCRIBE confirmed by Redis and not undone. */
  live: boolean;
  /** Sharded pub/sub on a Cluster: the channel's slot, and the master (`host:port`) that confirmed the SSUBSCRIBE. */
  slot?: number;
  owner?: string;
}

const noop = () => undefined;

function loadIoredis(): typeof import('ioredis') {
  // ioredis is an optional peer and must not be needed by apps that never use this store.
  return requireOptionalPeer(
    () => require('ioredis'),
    'ioredis',
    'RedisQrLoginStore needs the "ioredis" package (version 5 or later), which is not installed. ' +
      'Run `npm install ioredis`, or pass a ready ioredis client as the "client" option.',
  );
}

/**
 * A store on Redis (single node or Cluster) through ioredis, for apps that
 * run several instances: any instance may serve any step of a login.
 *
 * - **Keys.** One hash per code at `<keyPrefix>:{<qrcodeId>}`; its changes are
 *   published on `<keyPrefix>:{<qrcodeId>}:changes`. The `{…}` hash tag keeps a
 *   code on one Cluster slot (and lets the channel move to sharded pub/sub).
 * - **Atomicity.** `create` and `compareAndSet` are one Lua script each
 *   (EVALSHA): check, write, PEXPIREAT `retainUntil`, PUBLISH the whole record.
 * - **Expiry.** Redis deletes a record at `retainUntil` by its TTL; the app
 *   holds no timers. The Redis server's clock decides, so keep app hosts and
 *   Redis on synchronised clocks (NTP).
 * - **Change feed.** One subscriber connection per store, a `duplicate()` of
 *   the command connection; one SUBSCRIBE per watched id, shared by every
 *   watcher of that id in this process and undone when the last one leaves.
 *   A read (`get`) of an id whose SUBSCRIBE is still unconfirmed waits for the
 *   confirmation first, so "watch, then read" (what the service does) misses
 *   nothing: a change either happened before the read, or is delivered.
 * - **Faults.** Every call settles within about 1.5 s: while Redis is away it
 *   rejects with `QrLoginStoreUnavailableError` (answered as 503). When the
 *   subscriber connection drops, every current watcher errors with that error
 *   (changes published meanwhile are lost, so a stream cannot go on silently);
 *   later watches subscribe afresh once Redis is back. Connections the store
 *   creates reconnect forever with backoff.
 * - **Redis Cluster.** Pass a `Cluster` as `client` or let the store create
 *   one (`cluster`). Changes use sharded pub/sub by default (`pubsub`), so each
 *   goes only to the master owning the code's slot; ioredis keeps one
 *   subscriber connection per master. When a master crashes, calls on its
 *   slots answer 503 until a replica is promoted and the client's slot table
 *   follows: about `cluster-node-timeout` plus 1 to 2 s (measured on 3
 *   masters with a 1 s node timeout: the last 503 came 2.0 to 5.7 s after the
 *   kill). Watchers of that shard's codes are failed (not resubscribed), since
 *   changes published meanwhile reached nobody; watchers of other shards carry
 *   on. Redis replicates asynchronously: a write acknowledged by a master that
 *   dies before its replica copied it is lost, and an answer lost with the
 *   master leaves its caller with a 503 for a change that was made.
 */
export class RedisQrLoginStore implements QrLoginStore {
  private readonly logger = new Logger(RedisQrLoginStore.name);
  private readonly redis: RedisConnection;
  private readonly subscriber: RedisConnection;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  /** The pub/sub flavour this store publishes and subscribes with. */
  readonly pubsub: RedisQrLoginPubSub;
  /** Watched channels by name. */
  private readonly channels = new Map<string, Channel>();
  /** Per channel name, the tail of its SUBSCRIBE/UNSUBSCRIBE sequence, so they reach Redis in the order they were decided. */
  private readonly subscriberOps = new Map<string, Promise<void>>();
  private closing?: Promise<void>;

  constructor(options: RedisQrLoginStoreOptions) {
    const given = (['client', 'url', 'options', 'cluster'] as const).filter((field) => options?.[field] !== undefined);
    if (given.length !== 1) {
      throw new QrLoginConfigError(
        `RedisQrLoginStore needs exactly one of "client" (a ready ioredis client), "url", "options" or "cluster"; got ${
          given.length === 0 ? 'none' : given.map((field) => `"${field}"`).join(' and ')
        }.`,
      );
    }
    const keyPrefix = options.keyPrefix ?? 'qr-login';
    if (typeof keyPrefix !== 'string' || keyPrefix === '' || /[{}]/.test(keyPrefix)) {
      throw new QrLoginConfigError(
        `RedisQrLoginStore "keyPrefix" must be a non-empty string without "{" or "}" (they would break the Cluster hash tags); got ${JSON.stringify(keyPrefix)}.`,
      );
    }
    this.prefix = keyPrefix;

    if (options.client) {
      this.redis = options.client;
      this.ownsClient = false;
    } else if (options.cluster) {
      if (!Array.isArray(options.cluster.nodes) || options.cluster.nodes.length === 0) {
        throw new QrLoginConfigError(
          'RedisQrLoginStore "cluster.nodes" must list at least one startup node, e.g. { cluster: { nodes: [{ host: "redis-1", port: 6379 }] } }.',
        );
      }
      const { Cluster: ClusterClient } = loadIoredis();
      const given = options.cluster.options ?? {};
      this.redis = new ClusterClient(options.cluster.nodes, {
        ...CLUSTER_FAIL_FAST_OPTIONS,
        ...given,
        redisOptions: { ...CLUSTER_FAIL_FAST_OPTIONS.redisOptions, ...given.redisOptions },
      });
      this.ownsClient = true;
      this.watchHealth(this.redis, 'command');
    } else {
      const { Redis: RedisClient } = loadIoredis();
      this.redis =
        options.url !== undefined
          ? new RedisClient(options.url, FAIL_FAST_OPTIONS)
          : new RedisClient({ ...FAIL_FAST_OPTIONS, ...options.options });
      this.ownsClient = true;
      this.watchHealth(this.redis, 'command');
    }
    if (options.pubsub !== undefined && options.pubsub !== 'sharded' && options.pubsub !== 'classic') {
      throw new QrLoginConfigError(`RedisQrLoginStore "pubsub" must be 'sharded' or 'classic'; got ${JSON.stringify(options.pubsub)}.`);
    }
    this.pubsub = options.pubsub ?? (isCluster(this.redis) ? 'sharded' : 'classic');
    const sharded = this.pubsub === 'sharded';
    this.subscriber = isCluster(this.redis)
      ? // With shardedSubscribers, ioredis keeps one subscriber connection per master and routes each SSUBSCRIBE to the owner of its slot.
        this.redis.duplicate(undefined, { enableOfflineQueue: false, ...(sharded ? { shardedSubscribers: true } : {}) })
      : this.redis.duplicate(SUBSCRIBER_OVERRIDES);
    this.watchHealth(this.subscriber, 'subscriber');
    this.subscriber.on(sharded ? 'smessage' : 'message', (channel: string, json: string) =>
      this.channels.get(channel)?.messages.next(json),
    );
    if (sharded && isCluster(this.subscriber)) this.followShards(this.subscriber);
    // Whatever was published while the subscriber was away is lost, so its watchers cannot go on.
    this.subscriber.on('close', () =>
      this.failAllWatchers(
        new QrLoginStoreUnavailableError(
          'The Redis connection that carries QR code changes was lost; open the stream again once Redis is reachable.',
        ),
      ),
    );

    const names = SCRIPT_NAMES[this.pubsub];
    this.redis.defineCommand(names.create, { numberOfKeys: 1, lua: createScript(names.publish) });
    this.redis.defineCommand(names.compareAndSet, { numberOfKeys: 1, lua: compareAndSetScript(names.publish) });
  }


  /** The connection commands run on: the given `client`, or the one the store created. For health checks and diagnostics. */
  get client(): Redis | Cluster {
    return this.redis;
  }

  /** Number of ids with at least one watcher in this process. For diagnostics and tests. */
  get watchedIds(): number {
    return this.channels.size;
  }

  /** The Redis key that holds a code's record. */
  keyOf(id: string): string {
    return `${this.prefix}:{${id}}`;
  }

  /** The pub/sub channel that carries a code's changes. */
  channelOf(id: string): string {
    return `${this.prefix}:{${id}}:changes`;
  }

  async create(record: QrCodeRecord): Promise<void> {
    const json = JSON.stringify(record);
    const retainUntil = expiryOf(record);
    const created = await this.call(this.redis, 'create a QR code', () =>
      this.scripts[SCRIPT_NAMES[this.pubsub].create](this.keyOf(record.id), record.version, json, retainUntil, this.channelOf(record.id)),
    );
    if (created !== 1) throw new Error(`A QR code with id ${record.id} exists already.`);
  }

  async get(id: string): Promise<QrCodeRecord | null> {
    const pending = this.channels.get(this.channelOf(id));
    const json = await this.call(
      this.redis,
      'read a QR code',
      () => this.redis.hget(this.keyOf(id), 'record'),
      pending && !pending.live ? pending.ack : undefined,
    );
    return json === null ? null : (JSON.parse(json) as QrCodeRecord);
  }

  async compareAndSet(id: string, expectedVersion: number, next: QrCodeRecord): Promise<boolean> {
    const json = JSON.stringify(next);
    const retainUntil = expiryOf(next);
    const written = await this.call(this.redis, 'update a QR code', () =>
      this.scripts[SCRIPT_NAMES[this.pubsub].compareAndSet](
        this.keyOf(id),
        expectedVersion,
        next.version,
        json,
        retainUntil,
        this.channelOf(id),
      ),
    );
    return written === 1;
  }

  async rememberOnce(key: string, ttlMs: number): Promise<boolean> {
    const set = await this.call(this.redis, 'remember a one-time fact', () =>
      this.redis.set(this.factKeyOf(key), '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'),
    );
    return set === 'OK';
  }

  async setAlias(alias: string, id: string, expiresAt: number): Promise<boolean> {
    const set = await this.call(this.redis, 'store an alias', () =>
      this.redis.set(this.aliasKeyOf(alias), id, 'PXAT', Math.max(1, Math.ceil(expiresAt)), 'NX'),
    );
    return set === 'OK';
  }

  resolveAlias(alias: string): Promise<string | null> {
    return this.call(this.redis, 'read an alias', () => this.redis.get(this.aliasKeyOf(alias)));
  }

  /** The Redis key of a one-time fact (`rememberOnce`); hash-tagged by the fact, so each is its own slot. */
  factKeyOf(key: string): string {
    return `${this.prefix}:once:{${key}}`;
  }

  /** The Redis key of an alias. */
  aliasKeyOf(alias: string): string {
    return `${this.prefix}:alias:{${alias}}`;
  }

  watch(id: string): Observable<QrCodeRecord> {
    return new Observable<QrCodeRecord>((subscriber) => {
      if (this.closing) {
        subscriber.error(closedError());
        return;
      }
      const channel = this.retain(this.channelOf(id));
      // Redis keeps order per channel; this only drops a stale message left over from an earlier subscription.
      let lastVersion = 0;
      const inner = channel.messages.subscribe({
        next: (json) => {
          let record: QrCodeRecord;
          try {
            record = JSON.parse(json);
          } catch {
            return; // Not ours: something else published on the channel.
          }
          if (!(record.version > lastVersion)) return;
          lastVersion = record.version;
          subscriber.next(record);
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        inner.unsubscribe();
        this.release(channel);
      };
    });
  }

  /**
   * Ends current watches (with `QrLoginStoreUnavailableError`), closes the
   * subscriber connection, and disconnects the command connection when the
   * store created it. A given `client` is left connected.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.failAllWatchers(closedError());
    await Promise.all([
      disconnect(this.subscriber, false),
      // QUIT lets the commands in flight on the command connection finish first.
      this.ownsClient ? disconnect(this.redis, true) : undefined,
    ]);
  }

  private get scripts(): ScriptCommands {
    return this.redis as unknown as ScriptCommands;
  }

  /**
   * Runs one Redis call within CALL_TIMEOUT_MS, waiting for a connection
   * that is being set up, and turns every connection problem into
   * QrLoginStoreUnavailableError. `after` is awaited first, within the same time.
   */
  private async call<T>(connection: RedisConnection, what: string, run: () => Promise<T>, after?: Promise<void>): Promise<T> {
    if (this.closing) throw closedError();
    // The hot path: on a ready connection the store made, ioredis's own
    // commandTimeout bounds the call, so no timer and race are needed per call.
    if (this.ownsClient && !after && connection.status === 'ready') {
      try {
        return await run();
      } catch (error) {
        throw storeError(error, what);
      }
    }
    let gaveUp = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = Date.now() + CALL_TIMEOUT_MS;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        gaveUp = true;
        reject(
          new QrLoginStoreUnavailableError(
            `Redis did not answer within ${CALL_TIMEOUT_MS} ms when asked to ${what}; check that Redis is running, reachable and not overloaded.`,
          ),
        );
      }, CALL_TIMEOUT_MS);
    });
    const attempt = (async () => {
      if (after) await after;
      await whenReady(connection, deadline);
      // Past the deadline the caller has been told it failed, so it must not happen after all.
      if (gaveUp) throw new QrLoginStoreUnavailableError(`Gave up trying to ${what}.`);
      return run();
    })();
    try {
      return await Promise.race([attempt, timeout]);
    } catch (error) {
      throw storeError(error, what);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Adds a watcher of a channel, subscribing when it is the first in this process. */
  private retain(name: string): Channel {
    let channel = this.channels.get(name);
    if (!channel) {
      const created: Channel = { name, messages: new Subject<string>(), refs: 0, ack: Promise.resolve(), live: false };
      this.channels.set(name, created);
      created.ack = this.enqueue(name, async () => {
        // Released or failed while waiting for its turn: nothing to subscribe for.
        if (this.channels.get(name) !== created) return;
        try {
          const cluster = this.shardedCluster;
          if (cluster) created.slot = slotOf(name);
          for (let attempt = 1; ; attempt++) {
            await this.call(this.subscriber, 'watch a QR code', () => {
              // Read once the subscriber is ready (its slot table loaded), right before ioredis routes the SSUBSCRIBE.
              if (cluster) created.owner = ownerOf(cluster, created.slot!);
              return this.subscribe(name);
            });
            // Only the slot's owner confirms an SSUBSCRIBE. If the slot table changed meanwhile (a stale table
            // after a failover is refreshed by the redirect itself), subscribe again so the recorded owner is the one
            // holding the subscription; a slot that keeps moving fails the watch.
            if (!cluster || (created.owner !== undefined && ownerOf(cluster, created.slot!) === created.owner)) break;
            if (attempt === SUBSCRIBE_ATTEMPTS) throw new QrLoginStoreUnavailableError(SHARD_MOVED_MESSAGE);
          }
          if (this.channels.get(name) === created) created.live = true;
        } catch (error) {
          this.dropChannel(created, error instanceof QrLoginStoreUnavailableError ? error : storeError(error, 'watch a QR code'));
          // A SUBSCRIBE that timed out may still reach Redis; undo it so nothing stays subscribed for nobody.
          if (this.subscriber.status === 'ready') await this.unsubscribe(name).catch(noop);
        }
      });
      channel = created;
    }
    channel.refs++;
    return channel;
  }

  /** Removes a watcher; the last one of a channel unsubscribes. */
  private release(channel: Channel): void {
    if (--channel.refs > 0 || this.channels.get(channel.name) !== channel) return;
    this.channels.delete(channel.name);
    void this.enqueue(channel.name, async () => {
      if (!channel.live) return;
      channel.live = false;
      // A failure means the connection is gone, and with it the subscription.
      await this.unsubscribe(channel.name).catch(noop);
    });
  }

  private dropChannel(channel: Channel, error: Error): void {
    if (this.channels.get(channel.name) === channel) this.channels.delete(channel.name);
    channel.live = false;
    channel.messages.error(error);
  }

  private failAllWatchers(error: Error): void {
    for (const channel of [...this.channels.values()]) this.dropChannel(channel, error);
  }

  /** The subscriber, when it is a Cluster on sharded pub/sub (where each channel lives on one shard). */
  private get shardedCluster(): Cluster | undefined {
    return this.pubsub === 'sharded' && isCluster(this.subscriber) ? this.subscriber : undefined;
  }

  private subscribe(name: string): Promise<unknown> {
    return this.pubsub === 'sharded' ? this.subscriber.ssubscribe(name) : this.subscriber.subscribe(name);
  }

  private unsubscribe(name: string): Promise<unknown> {
    return this.pubsub === 'sharded' ? this.subscriber.sunsubscribe(name) : this.subscriber.unsubscribe(name);
  }

  /**
   * Sharded pub/sub on a Cluster: a change is published only on the master
   * that owns the code's slot. When that master's subscriber connection ends
   * (the master crashed or was removed) or the slot moves to another master
   * (failover, resharding), changes published meanwhile reached nobody here,
   * so the watchers of that shard's codes fail with
   * QrLoginStoreUnavailableError; watchers of other shards carry on. ioredis
   * would resubscribe on the new master by itself, but silently, hiding the gap.
   */
  private followShards(cluster: Cluster): void {
    const failWhere = (lost: (channel: Channel) => boolean) => {
      for (const channel of [...this.channels.values()]) {
        if (channel.owner === undefined || !lost(channel)) continue;
        this.dropChannel(channel, new QrLoginStoreUnavailableError(SHARD_MOVED_MESSAGE));
        // Tell ioredis to forget the channel too, or it would resubscribe it on the new master for nobody.
        void this.enqueue(channel.name, () => this.unsubscribe(channel.name).then(noop, noop));
      }
    };
    cluster.on('-node', (node: Redis | undefined, nodeKey?: string) => {
      const key = nodeKey ?? (node ? `${node.options.host}:${node.options.port}` : undefined);
      if (key !== undefined) failWhere((channel) => channel.owner === key);
    });
    // After every slot table refresh: channels whose slot now has another master.
    cluster.on('refresh', () => failWhere((channel) => ownerOf(cluster, channel.slot!) !== channel.owner));
  }

  private enqueue(name: string, op: () => Promise<void>): Promise<void> {
    const previous = this.subscriberOps.get(name) ?? Promise.resolve();
    const next = previous.then(op).catch(noop);
    this.subscriberOps.set(name, next);
    void next.then(() => {
      if (this.subscriberOps.get(name) === next) this.subscriberOps.delete(name);
    });
    return next;
  }

  /** Error listeners keep ioredis from printing every failed reconnection; one warning per outage is enough. */
  private watchHealth(connection: RedisConnection, role: string): void {
    let down = false;
    connection.on('error', (error: Error) => {
      if (down || this.closing) return;
      down = true;
      this.logger.warn(
        `Redis ${role} connection failed (${error.message}); ${
          role === 'subscriber' ? 'watches' : 'store calls'
        } fail with QrLoginStoreUnavailableError until it reconnects, which it keeps trying.`,
      );
    });
    connection.on('ready', () => {
      if (!down) return;
      down = false;
      this.logger.log(`Redis ${role} connection is back.`);
    });
  }
}

/** SSUBSCRIBE attempts of one watch while its slot's owner keeps changing (Cluster, sharded pub/sub). */
const SUBSCRIBE_ATTEMPTS = 3;

const SHARD_MOVED_MESSAGE =
  'The Redis Cluster shard that carries this QR code\'s changes failed over or moved; open the stream again (the store follows the new master by itself).';

/** The hash slot of a key or sharded channel, computed by ioredis itself (as it routes commands). */
function slotOf(name: string): number {
  const { Command } = loadIoredis();
  return new Command('ssubscribe', [name]).getSlot() as number;
}

/** The master (`host:port`) that owns `slot` in the Cluster client's current slot table. */
function ownerOf(cluster: Cluster, slot: number): string | undefined {
  return cluster.slots[slot]?.[0];
}

function isCluster(connection: RedisConnection): connection is Cluster {
  return (connection as { isCluster?: boolean }).isCluster === true;
}

function expiryOf(record: QrCodeRecord): number {
  if (typeof record.retainUntil !== 'number' || !Number.isFinite(record.retainUntil)) {
    throw new TypeError(`QR code ${record.id} has no valid retainUntil (ms since the epoch): ${String(record.retainUntil)}.`);
  }
  // PEXPIREAT takes whole milliseconds.
  return Math.ceil(record.retainUntil);
}

function closedError(): QrLoginStoreUnavailableError {
  return new QrLoginStoreUnavailableError('The Redis QR login store was closed (the app is shutting down).');
}

const CLOSE_TIMEOUT_MS = 1_000;

/** Closes a connection and resolves once it has ended (or after CLOSE_TIMEOUT_MS, when Redis does not answer). */
async function disconnect(connection: RedisConnection, graceful: boolean): Promise<void> {
  const status = connection.status;
  if (status === 'end') return;
  // Between reconnection attempts there is no socket left to close, so no 'end' will come.
  if (status === 'reconnecting' || status === 'close') {
    connection.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const ended = new Promise<void>((resolve) => {
    connection.once('end', resolve);
    timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
  });
  if (graceful && status === 'ready') {
    await Promise.race([connection.quit().catch(noop), ended]);
  }
  connection.disconnect();
  await ended;
  clearTimeout(timer);
}

/** Connection and capacity problems become QrLoginStoreUnavailableError (503); anything else stays an error of its own. */
function storeError(error: unknown, what: string): Error {
  if (error instanceof QrLoginStoreUnavailableError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'ReplyError' && !TRANSIENT_REPLY.test(message)) {
    const hint = /unknown command .?spublish/i.test(message)
      ? ' Sharded pub/sub needs Redis 7 or later; on Redis 6 create the store with pubsub: \'classic\'.'
      : '';
    return new Error(`Redis refused to ${what}: ${message}${hint}`, { cause: error });
  }
  return new QrLoginStoreUnavailableError(
    `Redis could not ${what} (${message}); check that Redis is running and reachable, the store reconnects by itself.`,
    { cause: error },
  );
}
