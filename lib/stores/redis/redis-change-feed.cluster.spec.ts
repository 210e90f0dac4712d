import { randomUUID } from 'node:crypto';
import { Cluster, Command, Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRedisCluster, type RedisCluster } from '../../../test/support/redis-cluster';
import { commandStat } from '../../../test/support/redis-command-stats';
import { eventually } from '../../../test/support/sse';
import type { QrCodeRecord } from '../../kernel/interfaces/qr-code.interface';
import { QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import { RedisCalls } from './redis-calls';
import { RedisChangeFeed } from './redis-change-feed';
import { CLUSTER_FAIL_FAST_OPTIONS, duplicateForSubscriber, type RedisConnection } from './redis-connection';

/*
 * The change feed on a real Redis Cluster (3 masters, 1 replica each), on
 * sharded pub/sub: where a watch's SSUBSCRIBE is recorded, how the
 * subscriber's slot table is brought in line with the command connection's,
 * and which watches end when a shard's master is lost or a slot moves. Each
 * test builds its own feed and clients; slot tables are made stale by editing
 * a client's `slots`, which is the condition under test.
 */

const HOST = '127.0.0.1';
const SHARD_MOVED =
  "The Redis Cluster shard that carries this QR code's changes failed over or moved; open the stream again (the store follows the new master by itself).";

interface Seen {
  records: QrCodeRecord[];
  errors: unknown[];
  /** The subscriber's owner of the slot when the watch ended, read in the error callback. */
  ownerAtError?: string;
}

interface Parts {
  feed: RedisChangeFeed;
  calls: RedisCalls;
  /** The command connection: publishes, and is the feed's `commands` unless the test says otherwise. */
  commands: Cluster;
  subscriber: Cluster;
}

describe('RedisChangeFeed on a Redis Cluster', () => {
  let cluster: RedisCluster;
  const cleanups: Array<() => unknown> = [];

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1_000 });
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const slotOf = (name: string) => new Command('ssubscribe', [name]).getSlot() as number;
  const ownerIn = (client: Cluster, slot: number): string | undefined => client.slots[slot]?.[0];
  const portOf = (key: string) => Number(key.split(':')[1]);

  /** A ready command connection and its subscriber; `feedCommands` replaces the feed's view of the command connection. */
  async function build(
    feedCommands?: (commands: Cluster) => RedisConnection | undefined,
    redisOptions: RedisOptions = {},
  ): Promise<Parts> {
    const commands = new Cluster(cluster.startupNodes(), {
      ...CLUSTER_FAIL_FAST_OPTIONS,
      redisOptions: { ...CLUSTER_FAIL_FAST_OPTIONS.redisOptions, ...redisOptions },
    });
    const subscriber = duplicateForSubscriber(commands, true) as Cluster;
    for (const client of [commands, subscriber]) client.on('error', () => undefined);
    cleanups.push(() => {
      commands.disconnect();
      subscriber.disconnect();
    });
    await eventually(() => commands.status === 'ready' && subscriber.status === 'ready', 10_000, 'both clients');
    const calls = new RedisCalls(false);
    const given = feedCommands ? feedCommands(commands) : commands;
    const feed = new RedisChangeFeed(subscriber, true, calls, given);
    cleanups.push(() => feed.close(new Error('test over')));
    return { feed, calls, commands, subscriber };
  }

  /** A fresh channel name whose slot `owner` (host:port) owns in `client`'s table. */
  function channelOn(client: Cluster, owner: string): string {
    for (;;) {
      const name = `rc:{${randomUUID()}}:changes`;
      if (ownerIn(client, slotOf(name)) === owner) return name;
    }
  }

  function watch(parts: Parts, name: string): Seen {
    const seen: Seen = { records: [], errors: [] };
    const subscription = parts.feed.watch(name).subscribe({
      next: (record) => seen.records.push(record),
      error: (error: unknown) => {
        seen.ownerAtError = ownerIn(parts.subscriber, slotOf(name));
        seen.errors.push(error);
      },
    });
    cleanups.push(() => subscription.unsubscribe());
    return seen;
  }

  const live = (parts: Parts, name: string) => eventually(() => parts.feed.channel(name)?.live === true, 10_000, name);
  const publish = (parts: Parts, name: string, version: number) =>
    parts.commands.spublish(name, JSON.stringify({ version, retainUntil: Date.now() + 60_000 }));

  /** Asks one node directly (no slot table involved). */
  async function onNode<T>(port: number, ask: (node: Redis) => Promise<T>): Promise<T> {
    const node = new Redis({ host: HOST, port, lazyConnect: true });
    try {
      return await ask(node);
    } finally {
      node.disconnect();
    }
  }
  const shardSubscribers = async (port: number, name: string) =>
    Number(((await onNode(port, (node) => node.call('PUBSUB', 'SHARDNUMSUB', name))) as [string, number])[1]);
  const ssubscribeCalls = (port: number) => onNode(port, (node) => commandStat(node, 'ssubscribe'));

  const masterKeys = async () => (await cluster.masters()).map((port) => `${HOST}:${port}`);

  const expectShardMoved = (seen: Seen) => {
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]).toBeInstanceOf(QrLoginStoreUnavailableError);
    expect((seen.errors[0] as Error).message).toBe(SHARD_MOVED);
  };

  /**
   * Whether the subscriber has a slot table refresh under way (ioredis's own flag), read in a listener of the
   * command connection's `refresh` added after the feed's: it tells whether the feed's listener started one.
   */
  const refreshing = (parts: Parts) => (parts.subscriber as unknown as { isRefreshing: boolean }).isRefreshing;

  /** Counts each client's completed slot table refreshes from now on. */
  function countRefreshes(...clients: Cluster[]): number[] {
    const counts = clients.map(() => 0);
    clients.forEach((client, index) => client.on('refresh', () => counts[index]++));
    return counts;
  }

  it('records the master that confirmed the SSUBSCRIBE, refreshing neither table when both agree', async () => {
    const parts = await build();
    const [owner] = await masterKeys();
    const name = channelOn(parts.commands, owner);
    const refreshes = countRefreshes(parts.subscriber, parts.commands);
    const seen = watch(parts, name);
    await live(parts, name);
    expect(parts.feed.channel(name)).toMatchObject({ slot: slotOf(name), owner, live: true });
    expect(refreshes).toEqual([0, 0]);
    expect(await shardSubscribers(portOf(owner), name)).toBe(1);
    expect(await publish(parts, name, 1)).toBe(1);
    await eventually(() => seen.records.length === 1, 5_000, 'the change');
    expect(seen.records.map((record) => record.version)).toEqual([1]);
  });

  it("refreshes both tables before the SSUBSCRIBE when the subscriber's names another master, and records the real one", async () => {
    const parts = await build();
    const [owner, stale] = await masterKeys();
    const name = channelOn(parts.commands, owner);
    parts.subscriber.slots[slotOf(name)] = [stale];
    const refreshes = countRefreshes(parts.subscriber, parts.commands);
    const seen = watch(parts, name);
    await live(parts, name);
    expect(refreshes[0]).toBeGreaterThanOrEqual(1);
    expect(refreshes[1]).toBeGreaterThanOrEqual(1);
    expect(ownerIn(parts.subscriber, slotOf(name))).toBe(owner);
    expect(parts.feed.channel(name)?.owner).toBe(owner);
    // The subscriber's own refresh, run while the watch was being set up, did not end it.
    expect(await publish(parts, name, 1)).toBe(1);
    await eventually(() => seen.records.length === 1, 5_000, 'the change');
    expect(seen.errors).toEqual([]);
  });

  it('takes a command connection with no slot table yet, or one that is not a Cluster, as saying nothing', async () => {
    for (const unready of [
      new Cluster(cluster.startupNodes(), { lazyConnect: true }),
      new Redis({ host: HOST, port: cluster.nodes[0].port, lazyConnect: true }),
    ]) {
      cleanups.push(() => unready.disconnect());
      const parts = await build(() => unready);
      const [owner] = await masterKeys();
      const name = channelOn(parts.commands, owner);
      const refreshes = countRefreshes(parts.subscriber);
      const seen = watch(parts, name);
      await live(parts, name);
      expect(refreshes).toEqual([0]);
      expect(parts.feed.channel(name)?.owner).toBe(owner);
      expect(await publish(parts, name, 1)).toBe(1);
      await eventually(() => seen.records.length === 1, 5_000, 'the change');
    }
  });

  it('lets the SSUBSCRIBE go as soon as both refreshes are done, without waiting for any timer', async () => {
    const parts = await build();
    const [owner, stale] = await masterKeys();
    const name = channelOn(parts.commands, owner);
    const probe = new Redis({ host: HOST, port: portOf(owner) });
    cleanups.push(() => probe.disconnect());
    await probe.ping();
    parts.subscriber.slots[slotOf(name)] = [stale];
    // From here no timer fires: only the refreshes' own callbacks can let the watch go on.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      watch(parts, name);
      // Real round trips to Redis, each far longer than a step of the watch's own, bounded in number.
      for (let round = 0; round < 500 && !parts.feed.channel(name)?.live; round++) await probe.ping();
      expect(parts.feed.channel(name)).toMatchObject({ live: true, owner });
    } finally {
      vi.useRealTimers();
    }
  });

  it('ends a watch whose SSUBSCRIBE Redis refuses, naming the step and the refusal', async () => {
    const user = `rc-no-channels-${randomUUID()}`;
    for (const { port } of cluster.startupNodes())
      await onNode(port, (node) => node.call('ACL', 'SETUSER', user, 'on', '>secret', '~*', 'resetchannels', '+@all'));
    const parts = await build(undefined, { username: user, password: 'secret' });
    const [owner] = await masterKeys();
    const name = channelOn(parts.commands, owner);
    const seen = watch(parts, name);
    await eventually(() => seen.errors.length === 1, 5_000, 'the watch to fail');
    expect(seen.errors[0]).toBeInstanceOf(QrLoginStoreUnavailableError);
    expect((seen.errors[0] as Error).message).toMatch(
      /^Redis could not watch a QR code \(Redis refused to watch a QR code: NOPERM .+\); check that Redis is running and reachable, the store reconnects by itself\.$/,
    );
    expect(parts.feed.channel(name)).toBeUndefined();
  });

  it.each([
    ['keeps changing', (owner: string, other: string) => (read: number) => [read % 2 ? other : owner]],
    ['names no master', () => () => undefined],
  ])(
    'gives up after exactly 3 SSUBSCRIBEs when the subscriber table %s, and leaves nothing subscribed',
    async (_, table) => {
      const parts = await build(() => undefined);
      const [owner, other] = await masterKeys();
      const name = channelOn(parts.commands, owner);
      let reads = 0;
      const entry = table(owner, other);
      Object.defineProperty(parts.subscriber.slots, slotOf(name), {
        configurable: true,
        get: () => entry(reads++),
        set: () => undefined,
      });
      const before = await ssubscribeCalls(portOf(owner));
      const seen = watch(parts, name);
      await eventually(() => seen.errors.length === 1, 10_000, 'the watch to fail');
      expectShardMoved(seen);
      expect((await ssubscribeCalls(portOf(owner))) - before).toBe(3);
      expect(parts.feed.channel(name)).toBeUndefined();
      await eventually(async () => (await shardSubscribers(portOf(owner), name)) === 0, 5_000, 'the SSUNSUBSCRIBE');
    },
  );

  it("follows the command connection's refresh only when the tables differ, and not once closed", async () => {
    const parts = await build();
    const [owner, stale] = await masterKeys();
    const slot = slotOf(channelOn(parts.commands, owner));
    // Whether the subscriber started a refresh of its own, read right after the feed's listener ran.
    const followed: boolean[] = [];
    parts.commands.on('refresh', () => followed.push(refreshing(parts)));
    const commandsRefresh = () => new Promise((resolve) => parts.commands.refreshSlotsCache(resolve));

    await commandsRefresh();
    expect(followed).toEqual([false]);

    parts.subscriber.slots[slot] = [stale];
    await commandsRefresh();
    expect(followed).toEqual([false, true]);
    await eventually(() => ownerIn(parts.subscriber, slot) === owner, 5_000, "the subscriber's table to follow");

    // Calls closed (the store is closing) while the feed still listens: it no longer follows.
    parts.subscriber.slots[slot] = [stale];
    parts.calls.close();
    await commandsRefresh();
    expect(followed).toEqual([false, true, false]);
    expect(ownerIn(parts.subscriber, slot)).toBe(stale);

    // Closed: the feed stops listening to the command connection at all.
    const listeners = parts.commands.listenerCount('refresh');
    parts.feed.close(new Error('closed'));
    expect(parts.commands.listenerCount('refresh')).toBe(listeners - 1);
  });

  it('stops following once closed, even with calls still open', async () => {
    const parts = await build();
    const [owner, stale] = await masterKeys();
    const slot = slotOf(channelOn(parts.commands, owner));
    const followed: boolean[] = [];
    parts.commands.on('refresh', () => followed.push(refreshing(parts)));
    parts.feed.close(new Error('closed'));
    parts.subscriber.slots[slot] = [stale];
    await new Promise((resolve) => parts.commands.refreshSlotsCache(resolve));
    expect(followed).toEqual([false]);
    expect(ownerIn(parts.subscriber, slot)).toBe(stale);
  });

  /** Moves an empty slot from one master to another the way resharding does, and waits until every node agrees. */
  async function moveSlot(slot: number, from: string, to: string): Promise<void> {
    const idOf = (key: string) => onNode(portOf(key), (node) => node.call('CLUSTER', 'MYID')) as Promise<string>;
    const [fromId, toId] = await Promise.all([idOf(from), idOf(to)]);
    const setSlot = (key: string, ...args: string[]) =>
      onNode(portOf(key), (node) => node.call('CLUSTER', 'SETSLOT', String(slot), ...args));
    await setSlot(to, 'IMPORTING', fromId);
    await setSlot(from, 'MIGRATING', toId);
    await setSlot(to, 'NODE', toId);
    await setSlot(from, 'NODE', toId);
    for (const key of await masterKeys()) if (key !== from && key !== to) await setSlot(key, 'NODE', toId);
    await eventually(
      async () => {
        for (const { port } of cluster.startupNodes()) {
          const ranges = (await onNode(port, (node) => node.call('CLUSTER', 'SLOTS'))) as Array<
            [number, number, [string, number]]
          >;
          const range = ranges.find(([start, end]) => slot >= start && slot <= end);
          if (range?.[2][1] !== portOf(to)) return false;
        }
        return true;
      },
      10_000,
      `every node to give slot ${slot} to ${to}`,
    );
  }

  it("ends the watch whose slot moved to another master once the subscriber's table shows it, and SUNSUBSCRIBEs it; others carry on", async () => {
    const parts = await build();
    const [from, to] = await masterKeys();
    const moved = channelOn(parts.commands, from);
    // Same master, another slot: it stays put.
    const kept = channelOn(parts.commands, from);
    const movedSeen = watch(parts, moved);
    const keptSeen = watch(parts, kept);
    await live(parts, moved);
    await live(parts, kept);

    await moveSlot(slotOf(moved), from, to);
    // ioredis may already have refreshed on its own (the old master pushes an SUNSUBSCRIBE as the slot leaves it).
    await new Promise((resolve) => parts.subscriber.refreshSlotsCache(resolve));
    await eventually(() => movedSeen.errors.length === 1, 5_000, 'the moved watch to end');
    expectShardMoved(movedSeen);
    expect(movedSeen.ownerAtError).toBe(to);
    expect(parts.feed.channel(moved)).toBeUndefined();
    expect(parts.feed.size).toBe(1);

    expect(await publish(parts, kept, 1)).toBe(1);
    await eventually(() => keptSeen.records.length === 1, 5_000, 'the change on the other slot');
    expect(keptSeen.errors).toEqual([]);
    // Nothing is left subscribed for nobody: not on the old master, and ioredis did not carry it to the new one.
    await eventually(
      async () =>
        (await shardSubscribers(portOf(to), moved)) === 0 && (await shardSubscribers(portOf(from), moved)) === 0,
      5_000,
      'the moved channel to be unsubscribed everywhere',
    );
  });

  it('ends the watches on a master whose connection ioredis dropped, matched by host:port when the event names no key', async () => {
    const parts = await build();
    const [dropped, other] = await masterKeys();
    const lost = channelOn(parts.commands, dropped);
    const kept = channelOn(parts.commands, other);
    const lostSeen = watch(parts, lost);
    const keptSeen = watch(parts, kept);
    await live(parts, lost);
    await live(parts, kept);
    // The subscriber's own pooled connection to that master (not its sharded one) is cut: ioredis drops the node.
    const pooled = parts.subscriber.nodes('master').find((node) => node.options.port === portOf(dropped))!;
    const id = String(await pooled.client('ID'));
    const keys: Array<string | undefined> = [];
    parts.subscriber.on('-node', (_node: Redis, key?: string) => keys.push(key));
    await onNode(portOf(dropped), (node) => node.call('CLIENT', 'KILL', 'ID', id));
    await eventually(() => lostSeen.errors.length === 1, 5_000, 'the watch on the dropped node to end');
    expect(keys).toEqual([undefined]);
    expectShardMoved(lostSeen);
    expect(keptSeen.errors).toEqual([]);
    expect(await publish(parts, kept, 1)).toBe(1);
    await eventually(() => keptSeen.records.length === 1, 5_000, 'the change on the other master');
  });

  it("ends a crashed master's watches on the node's loss, before the failover, while another shard's watch carries on", async () => {
    const parts = await build();
    const [victim, other] = await masterKeys();
    const lost = channelOn(parts.commands, victim);
    const kept = channelOn(parts.commands, other);
    const lostSeen = watch(parts, lost);
    const keptSeen = watch(parts, kept);
    await live(parts, lost);
    await live(parts, kept);

    const promoted = `${HOST}:${await cluster.failover(portOf(victim))}`;
    await eventually(() => lostSeen.errors.length === 1, 5_000, 'the watch on the crashed master to end');
    expectShardMoved(lostSeen);
    // It ended on the master's loss: the subscriber's table still named the crashed master.
    expect(lostSeen.ownerAtError).toBe(victim);
    expect(keptSeen.errors).toEqual([]);
    expect(await publish(parts, kept, 1)).toBe(1);
    await eventually(() => keptSeen.records.length === 1, 5_000, 'the change on the other shard');

    // The command connection learns the new master; the subscriber follows, and a new watch of that slot works.
    await new Promise((resolve) => parts.commands.refreshSlotsCache(resolve));
    await eventually(() => ownerIn(parts.subscriber, slotOf(lost)) === promoted, 5_000, 'the subscriber to follow');
    // Same hash tag, so same slot, as the ended watch.
    const again = lost.replace(/:changes$/, ':again');
    const againSeen = watch(parts, again);
    await live(parts, again);
    expect(parts.feed.channel(again)?.owner).toBe(promoted);
    expect(await publish(parts, again, 1)).toBe(1);
    await eventually(() => againSeen.records.length === 1, 5_000, 'the change on the promoted master');
    // The ended watch was SUNSUBSCRIBEd: ioredis did not carry it over to the promoted master.
    expect(await shardSubscribers(portOf(promoted), again)).toBe(1);
    expect(await shardSubscribers(portOf(promoted), lost)).toBe(0);
  });
});
