import { Logger } from '@nestjs/common';
import type { Observable } from 'rxjs';
// Types only: ioredis is an optional peer, loaded at run time only when the store has to create a connection.
import type { Cluster, Redis } from 'ioredis';
import { QrLoginConfigError } from '../../kernel/qr-login.errors';
import type { QrCodeRecord } from '../../kernel/interfaces/qr-code.interface';
import type { QrLoginStore, QrLoginStoreAlias } from '../../kernel/interfaces/qr-login-store.interface';
import type { QrLoginRateLimiter } from '../../kernel/interfaces/qr-login-rate-limiter.interface';
import { RedisQrLoginRateLimiter } from './redis-rate-limiter';
import { closedError, RedisCalls } from './redis-calls';
import { RedisChangeFeed } from './redis-change-feed';
import {
  CLUSTER_FAIL_FAST_OPTIONS,
  disconnect,
  duplicateForSubscriber,
  FAIL_FAST_OPTIONS,
  isCluster,
  loadIoredis,
  watchHealth,
} from './redis-connection';
import type { RedisQrLoginPubSub, RedisQrLoginStoreOptions } from './redis-qr-login.options';
import { defineScripts, SCRIPT_NAMES, type ScriptCommands } from './redis-qr-login.scripts';
import { RedisWatchedRecords, remember } from './redis-watched-records';
import { aliasExpiryOf, createBothAtOnce, expiryOf } from './redis-qr-login.writes';

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
  private readonly redis: Redis | Cluster;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  /** The pub/sub flavour this store publishes and subscribes with. */
  readonly pubsub: RedisQrLoginPubSub;
  private readonly calls: RedisCalls;
  private readonly feed: RedisChangeFeed;
  private readonly watched: RedisWatchedRecords;
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
    const closing = () => this.closing !== undefined;

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
      watchHealth(this.redis, 'command', this.logger, closing);
    } else {
      const { Redis: RedisClient } = loadIoredis();
      this.redis =
        options.url !== undefined
          ? new RedisClient(options.url, FAIL_FAST_OPTIONS)
          : new RedisClient({ ...FAIL_FAST_OPTIONS, ...options.options });
      this.ownsClient = true;
      watchHealth(this.redis, 'command', this.logger, closing);
    }
    if (options.pubsub !== undefined && options.pubsub !== 'sharded' && options.pubsub !== 'classic') {
      throw new QrLoginConfigError(
        `RedisQrLoginStore "pubsub" must be 'sharded' or 'classic'; got ${JSON.stringify(options.pubsub)}.`,
      );
    }
    this.pubsub = options.pubsub ?? (isCluster(this.redis) ? 'sharded' : 'classic');
    const sharded = this.pubsub === 'sharded';
    this.calls = new RedisCalls(this.ownsClient);
    const subscriber = duplicateForSubscriber(this.redis, sharded);
    watchHealth(subscriber, 'subscriber', this.logger, closing);
    this.feed = new RedisChangeFeed(subscriber, sharded, this.calls, this.redis);
    this.watched = new RedisWatchedRecords((name) => this.feed.channel(name));
    defineScripts(this.redis, this.pubsub);
  }

  /** The connection commands run on: the given `client`, or the one the store created. For health checks and diagnostics. */
  get client(): Redis | Cluster {
    return this.redis;
  }

  /**
   * The module's default limiter on this store: counters on the store's
   * connection under `<keyPrefix>:rate`, shared by every instance.
   */
  createRateLimiter(): QrLoginRateLimiter {
    return new RedisQrLoginRateLimiter({ client: this.redis, keyPrefix: `${this.prefix}:rate` });
  }

  /** Number of ids with at least one watcher in this process. For diagnostics and tests. */
  get watchedIds(): number {
    return this.feed.size;
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
    await this.runCreate(record);
  }

  /** The record and its alias: one script (one round trip, atomic) on a single Redis; see `createBothAtOnce` for a Cluster. */
  async createWithAlias(record: QrCodeRecord, alias: QrLoginStoreAlias): Promise<boolean> {
    if (!isCluster(this.redis)) return (await this.runCreate(record, alias)) === 1;
    return createBothAtOnce(this.logger, {
      alias: () => this.setAlias(alias.key, record.id, alias.expiresAt),
      record: () => this.create(record),
      undo: (what, key) => this.calls.call(this.redis, what, () => this.redis.del(key)),
      keys: { alias: this.aliasKeyOf(alias.key), record: this.keyOf(record.id) },
      forget: () => this.watched.forget(this.channelOf(record.id)),
    });
  }

  /** The create script, with the alias when given: 1 when written, -1 when the alias is taken; throws when the id exists. */
  private async runCreate(record: QrCodeRecord, alias?: QrLoginStoreAlias): Promise<number> {
    const [json, retainUntil, channel] = [JSON.stringify(record), expiryOf(record), this.channelOf(record.id)];
    const keys = alias ? [this.keyOf(record.id), this.aliasKeyOf(alias.key)] : [this.keyOf(record.id)];
    const aliasArgs = alias ? [record.id, aliasExpiryOf(alias.expiresAt)] : [];
    const script = SCRIPT_NAMES[this.pubsub][alias ? 'createWithAlias' : 'create'];
    const created = await this.calls.call(this.redis, 'create a QR code', () =>
      this.scripts[script](...keys, record.version, json, retainUntil, channel, ...aliasArgs),
    );
    if (created === 0) throw new Error(`A QR code with id ${record.id} exists already.`);
    if (created === 1) this.watched.wrote(channel, json, record.version, retainUntil);
    return created;
  }

  /**
   * A code this instance watches (its channel is live) is read from the
   * newest record the instance wrote or received, with no round trip: the
   * channel delivers every later change, in order. Others are read from Redis.
   */
  async get(id: string): Promise<QrCodeRecord | null> {
    const channel = this.feed.channel(this.channelOf(id));
    const cached = this.watched.cached(channel);
    if (cached) return cached;
    // Only a read issued while the channel is live may seed it: a change made before the subscription would be missed.
    let seeds = false;
    const json = await this.calls.call(
      this.redis,
      'read a QR code',
      () => {
        seeds = this.watched.canSeed(channel);
        return this.redis.hget(this.keyOf(id), 'record');
      },
      channel && !channel.live ? channel.ack : undefined,
    );
    if (json === null) return null;
    if (seeds && this.watched.canSeed(channel)) remember(channel, json);
    return JSON.parse(json) as QrCodeRecord;
  }

  async compareAndSet(id: string, expectedVersion: number, next: QrCodeRecord): Promise<boolean> {
    const json = JSON.stringify(next);
    const retainUntil = expiryOf(next);
    const written = await this.calls.call(this.redis, 'update a QR code', () =>
      this.scripts[SCRIPT_NAMES[this.pubsub].compareAndSet](
        this.keyOf(id),
        expectedVersion,
        next.version,
        json,
        retainUntil,
        this.channelOf(id),
      ),
    );
    if (written === 1) this.watched.wrote(this.channelOf(id), json, next.version, retainUntil);
    else this.watched.forget(this.channelOf(id));
    return written === 1;
  }

  async rememberOnce(key: string, ttlMs: number): Promise<boolean> {
    const set = await this.calls.call(this.redis, 'remember a one-time fact', () =>
      this.redis.set(this.factKeyOf(key), '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'),
    );
    return set === 'OK';
  }

  async setAlias(alias: string, id: string, expiresAt: number): Promise<boolean> {
    const set = await this.calls.call(this.redis, 'store an alias', () =>
      this.redis.set(this.aliasKeyOf(alias), id, 'PXAT', aliasExpiryOf(expiresAt), 'NX'),
    );
    return set === 'OK';
  }

  resolveAlias(alias: string): Promise<string | null> {
    return this.calls.call(this.redis, 'read an alias', () => this.redis.get(this.aliasKeyOf(alias)));
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
    return this.feed.watch(this.channelOf(id));
  }

  /**
   * Ends current watches (with `QrLoginStoreUnavailableError`), closes the
   * subscriber connection, and disconnects the command connection when the
   * store created it. A given `client` is left connected.
   */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = this.shutDown();
      this.calls.close();
    }
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.feed.close(closedError());
    await Promise.all([
      disconnect(this.feed.subscriber, false),
      // QUIT lets the commands in flight on the command connection finish first.
      this.ownsClient ? disconnect(this.redis, true) : undefined,
    ]);
  }

  private get scripts(): ScriptCommands {
    return this.redis as unknown as ScriptCommands;
  }
}
