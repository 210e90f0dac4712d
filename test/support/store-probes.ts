import type { Cluster, Redis } from 'ioredis';
import { MemoryQrLoginStore, type QrLoginStore } from '../../lib';
import { PostgresQrLoginStore } from '../../lib/stores/postgres';
import { RedisQrLoginStore } from '../../lib/stores/redis';
import type { QrLoginStoreProbes } from '../../lib/testing';
import { rowsOf } from './postgres-store-kind';
import type { StoreKind } from './stores';

/**
 * Subscribers of a code's channel on the whole Redis server or cluster (every
 * connection, every process). Sharded channels are counted with
 * `PUBSUB SHARDNUMSUB` on every master, since only the slot's owner knows them.
 */
export async function subscribersOf(store: RedisQrLoginStore, id: string): Promise<number> {
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
  const reply = (await (client as Redis).pubsub('NUMSUB', channel)) as [string, number | string];
  return Number(reply[1]);
}

/**
 * The contract suite's looks inside this package's own stores, for one store
 * kind. Only Redis subscribes per id: PostgreSQL has one LISTEN connection for
 * every id, which postgres-qr-login.store.spec.ts checks instead.
 */
export function storeProbesFor(kind: StoreKind): QrLoginStoreProbes<QrLoginStore> {
  const perId = kind.name.startsWith('redis');
  return {
    ...storeProbes,
    subscribers: perId ? (store, id) => subscribersOf(store as RedisQrLoginStore, id) : undefined,
  };
}

const storeProbes: QrLoginStoreProbes<QrLoginStore> = {
  watchedIds: (store) => (store as MemoryQrLoginStore | RedisQrLoginStore | PostgresQrLoginStore).watchedIds,
  holds: async (store, id) => {
    // A store of one test: anything it holds is the record's (its entry, its expiry timer).
    if (store instanceof MemoryQrLoginStore) return store.size > 0 || store.timers > 0;
    if (store instanceof RedisQrLoginStore) return (await store.client.exists(store.keyOf(id))) === 1;
    if (store instanceof PostgresQrLoginStore) return (await rowsOf(store, id)) > 0;
    throw new Error(`no probe for ${store.constructor.name}`);
  },
  released: (closed) => {
    if (closed instanceof MemoryQrLoginStore) return closed.size === 0 && closed.timers === 0;
    if (closed instanceof RedisQrLoginStore) return closed.client.status === 'end';
    // The pool it created is ended, and the LISTEN connection with it.
    if (closed instanceof PostgresQrLoginStore) return closed.pool.ending && closed.pool.totalCount === 0;
    throw new Error(`no probe for ${closed.constructor.name}`);
  },
};
