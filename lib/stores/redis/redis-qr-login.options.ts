import type { ClusterNode, ClusterOptions, Redis, Cluster, RedisOptions } from 'ioredis';

// The Redis store's options (types only: ioredis is an optional peer).

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
