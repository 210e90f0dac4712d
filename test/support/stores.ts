import { MemoryQrLoginStore, type QrLoginStore } from '../../lib';
import { RedisQrLoginStore } from '../../lib/stores/redis';
import { postgresStoreKind } from './postgres-store-kind';
import { startRedisCluster, type RedisCluster } from './redis-cluster';
import { startRedisServer, type RedisServer } from './redis-server';

/**
 * The stores the e2e suites run over. Each entry makes a fresh store for one
 * app (or several apps that must share state, when `shared` is given).
 */
export interface StoreKind {
  name: string;
  /** Prepares what the store needs (e.g. a Redis server); called in beforeAll. */
  setup(): Promise<void>;
  /** A new store; stores made by one kind after `setup` share state where the backend is shared. */
  make(): QrLoginStore;
  /** Undoes `setup`; called in afterAll. */
  teardown(): Promise<void>;
  /** Stops and starts the shared backend, for outage tests; absent where there is none (memory). */
  outage?: {
    stop(): Promise<void>;
    start(): Promise<void>;
    /** Whether codes survive the restart (a database does; a Redis without persistence does not). */
    keepsData: boolean;
  };
  /** Whether the backend still holds anything of code `id`, to prove that expiry frees it. */
  holds?(store: QrLoginStore, id: string): Promise<boolean>;
}

export const memoryStoreKind: StoreKind = {
  name: 'memory',
  setup: async () => undefined,
  make: () => new MemoryQrLoginStore(),
  teardown: async () => undefined,
};

let redisServer: RedisServer | undefined;
let starting: Promise<RedisServer> | undefined;

/**
 * One real redis-server per test file (started in setup, stopped in teardown).
 * Every store it makes uses the same server and key prefix, so two apps made
 * from it share their codes like two instances behind a load balancer.
 */
export const redisStoreKind: StoreKind = {
  name: 'redis',
  setup: async () => {
    starting ??= startRedisServer();
    redisServer = await starting;
  },
  make: () => {
    if (!redisServer)
      throw new Error('redisStoreKind.make() was called before setup() finished; await setup() in beforeAll.');
    return new RedisQrLoginStore({ url: redisServer.url });
  },
  teardown: async () => {
    const server = starting;
    starting = undefined;
    redisServer = undefined;
    // A failed start was reported by setup already.
    await (await server?.catch(() => undefined))?.stop();
  },
  outage: {
    keepsData: false,
    stop: async () => redisServer!.stop(),
    start: async () => redisServer!.restart(),
  },
  holds: async (store, id) => {
    const redis = store as RedisQrLoginStore;
    return (await redis.client.exists(redis.keyOf(id))) === 1;
  },
};

let redisCluster: RedisCluster | undefined;
let startingCluster: Promise<RedisCluster> | undefined;

/**
 * A real Redis Cluster (3 masters, 3 replicas) per test file, with stores on
 * sharded pub/sub. Not in STORE_KINDS: six servers per e2e file is too much
 * for small CI machines, so the contract suite and a dedicated cluster e2e
 * suite run on it instead.
 */
export const redisClusterStoreKind: StoreKind = {
  name: 'redis-cluster',
  setup: async () => {
    startingCluster ??= startRedisCluster();
    redisCluster = await startingCluster;
  },
  make: () => {
    if (!redisCluster)
      throw new Error('redisClusterStoreKind.make() was called before setup() finished; await setup() in beforeAll.');
    return new RedisQrLoginStore({ cluster: { nodes: redisCluster.startupNodes() } });
  },
  teardown: async () => {
    const cluster = startingCluster;
    startingCluster = undefined;
    redisCluster = undefined;
    await (await cluster?.catch(() => undefined))?.stop();
  },
  // Every server of the cluster at once: a failover of one master is `currentRedisCluster().failover`.
  outage: {
    keepsData: false,
    stop: async () => currentRedisCluster().stopAll(),
    start: async () => currentRedisCluster().startAll(),
  },
};

/** The cluster behind `redisClusterStoreKind`, once set up (for failover tests). */
export function currentRedisCluster(): RedisCluster {
  if (!redisCluster)
    throw new Error('The Redis Cluster is not running; await redisClusterStoreKind.setup() in beforeAll.');
  return redisCluster;
}

/** Every store kind. */
export const STORE_KINDS: StoreKind[] = [memoryStoreKind, redisStoreKind, postgresStoreKind];

/** The kinds that share state between instances through a server the tests can stop and start. */
export const SHARED_STORE_KINDS: StoreKind[] = STORE_KINDS.filter((kind) => kind.outage !== undefined);
