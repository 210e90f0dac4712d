import type { Cluster, Redis } from 'ioredis';

// Internal to the Redis store: the Lua scripts behind `create`, `createWithAlias` and `compareAndSet`.

/** Pub/sub flavour of the change feed; see `RedisQrLoginPubSub` in the store. */
type PubSubFlavour = 'sharded' | 'classic';

/** The scripts, as ioredis `defineCommand` adds them to a connection (under the names of SCRIPT_NAMES). @internal */
export type ScriptCommands = Record<string, (...args: Array<string | number>) => Promise<number>>;

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

/*
 * The record and its alias (KEYS[2], SET NX PXAT) in one step: a taken alias
 * returns -1 before anything is written. Only for keys on one slot's node
 * (a single Redis); on a Cluster the two keys are on different slots.
 */
const createWithAliasScript = (publish: string) => `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if not redis.call('SET', KEYS[2], ARGV[5], 'PXAT', ARGV[6], 'NX') then return -1 end
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
/** @internal */
export const SCRIPT_NAMES: Record<
  PubSubFlavour,
  { create: string; createWithAlias: string; compareAndSet: string; publish: string }
> = {
  classic: {
    create: 'qrLoginStoreCreate',
    createWithAlias: 'qrLoginStoreCreateWithAlias',
    compareAndSet: 'qrLoginStoreCompareAndSet',
    publish: 'PUBLISH',
  },
  sharded: {
    create: 'qrLoginStoreCreateSharded',
    createWithAlias: 'qrLoginStoreCreateWithAliasSharded',
    compareAndSet: 'qrLoginStoreCompareAndSetSharded',
    publish: 'SPUBLISH',
  },
};

/** Adds the store's scripts to `redis` as commands (EVALSHA under the hood), named for `pubsub`. @internal */
export function defineScripts(redis: Redis | Cluster, pubsub: PubSubFlavour): void {
  const names = SCRIPT_NAMES[pubsub];
  redis.defineCommand(names.create, { numberOfKeys: 1, lua: createScript(names.publish) });
  redis.defineCommand(names.createWithAlias, { numberOfKeys: 2, lua: createWithAliasScript(names.publish) });
  redis.defineCommand(names.compareAndSet, { numberOfKeys: 1, lua: compareAndSetScript(names.publish) });
}
