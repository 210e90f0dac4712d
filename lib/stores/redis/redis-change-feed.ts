import { Observable, Subject } from 'rxjs';
import { QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import type { QrCodeRecord } from '../../kernel/interfaces/qr-code.interface';
import { closedError, storeError, type RedisCalls } from './redis-calls';
import type { Cluster, Redis } from 'ioredis';
import { CALL_TIMEOUT_MS, isCluster, loadIoredis, noop, type RedisConnection } from './redis-connection';
import { remember, type WatchedChannel } from './redis-watched-records';

// Internal to the Redis store: the pub/sub change feed of watched codes.

/** @internal */
export interface Channel extends WatchedChannel {
  /** Raw JSON of each published record; every watcher parses its own copy. */
  readonly messages: Subject<string>;
  /** Watchers of this id in this process. */
  refs: number;
  /** Settles (never rejects) once the SUBSCRIBE was confirmed or has failed. */
  ack: Promise<void>;
  /** Sharded pub/sub on a Cluster: the channel's slot, and the master (`host:port`) that confirmed the SSUBSCRIBE. */
  slot?: number;
  owner?: string;
}

/** SSUBSCRIBE attempts of one watch while its slot's owner keeps changing (Cluster, sharded pub/sub). */
const SUBSCRIBE_ATTEMPTS = 3;

const SHARD_MOVED_MESSAGE =
  "The Redis Cluster shard that carries this QR code's changes failed over or moved; open the stream again (the store follows the new master by itself).";

/**
 * One subscriber connection; one SUBSCRIBE (or SSUBSCRIBE when `sharded`) per
 * watched channel, shared by every watcher of it in this process and undone
 * when the last one leaves. SUBSCRIBE/UNSUBSCRIBE of a channel reach Redis in
 * the order they were decided. When the connection drops, every watcher fails
 * with QrLoginStoreUnavailableError instead of silently missing changes.
 * @internal
 */
export class RedisChangeFeed {
  /** Watched channels by name. */
  private readonly channels = new Map<string, Channel>();
  /** Per channel name, the tail of its SUBSCRIBE/UNSUBSCRIBE sequence, so they reach Redis in the order they were decided. */
  private readonly subscriberOps = new Map<string, Promise<void>>();

  /**
   * `commands`: the store's command connection. On a Cluster it is the one
   * that hears of failovers first (its commands are redirected or fail), so
   * the subscriber's slot table is brought in line with it.
   */
  constructor(
    readonly subscriber: RedisConnection,
    private readonly sharded: boolean,
    private readonly calls: RedisCalls,
    private readonly commands?: RedisConnection,
  ) {
    subscriber.on(sharded ? 'smessage' : 'message', (name: string, json: string) => {
      const channel = this.channels.get(name);
      if (!channel) return;
      if (channel.live) remember(channel, json);
      channel.messages.next(json);
    });
    if (sharded && isCluster(subscriber)) this.followShards(subscriber);
    // Whatever was published while the subscriber was away is lost, so its watchers cannot go on.
    subscriber.on('close', () =>
      this.failAll(
        new QrLoginStoreUnavailableError(
          'The Redis connection that carries QR code changes was lost; open the stream again once Redis is reachable.',
        ),
      ),
    );
  }

  /** Number of channels with at least one watcher in this process. */
  get size(): number {
    return this.channels.size;
  }

  /** The current channel of `name`, when someone here watches it. */
  channel(name: string): Channel | undefined {
    return this.channels.get(name);
  }

  /** The records published on channel `name`, each newer than the last, for as long as the caller subscribes. */
  watch(name: string): Observable<QrCodeRecord> {
    return new Observable<QrCodeRecord>((subscriber) => {
      if (this.calls.closed) {
        subscriber.error(closedError());
        return;
      }
      const channel = this.retain(name);
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
        // `messages` never completes: a watch ends by unsubscribing or with an error.
        error: (error) => subscriber.error(error),
      });
      return () => {
        inner.unsubscribe();
        this.release(channel);
      };
    });
  }

  /** Stops following the command connection (a given client outlives the store). */
  private unfollow: () => void = noop;

  /** Ends every current watch with `error` and stops following the command connection: the store is closing. */
  close(error: Error): void {
    this.unfollow();
    this.failAll(error);
  }

  /** Ends every current watch with `error`. */
  failAll(error: Error): void {
    for (const channel of [...this.channels.values()]) this.dropChannel(channel, error);
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
          if (cluster) await this.subscribeOnOwner(cluster, created);
          else await this.calls.call(this.subscriber, 'watch a QR code', () => this.subscribe(name));
          // Confirmed. When the last watcher left (or the watch failed) meanwhile, no release will undo it: undo it now.
          if (this.channels.get(name) === created) created.live = true;
          else await this.unsubscribe(name).catch(noop);
        } catch (error) {
          this.dropChannel(
            created,
            error instanceof QrLoginStoreUnavailableError ? error : storeError(error, 'watch a QR code'),
          );
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

  /**
   * SSUBSCRIBE on the master that owns the channel's slot now. ioredis routes
   * an SSUBSCRIBE by the subscriber's own slot table, and nothing refreshes
   * that table after a failover once the crashed master's subscriber has given
   * up reconnecting: the subscriber sends no keyed commands, so no redirect
   * ever reaches it. Until something else refreshes it, the table names the
   * crashed master, a new SSUBSCRIBE goes there first, and that master's
   * "node removed" events would then end the very watch being set up. So the
   * subscriber's table is refreshed first when it disagrees with the command
   * connection's about this slot, and the owner is recorded only once Redis
   * confirmed the SSUBSCRIBE with the table unchanged meanwhile.
   */
  private async subscribeOnOwner(cluster: Cluster, channel: Channel): Promise<void> {
    const slot = (channel.slot = slotOf(channel.name));
    for (let attempt = 1; ; attempt++) {
      const commands = this.commands && isCluster(this.commands) ? this.commands : undefined;
      // A command connection with no table yet (not connected) says nothing about the slot.
      const known = commands && ownerOf(commands, slot);
      if (commands && known !== undefined && known !== ownerOf(cluster, slot)) {
        // Both: either one may be the stale one, and refreshes running already are joined rather than repeated.
        await Promise.all([refreshed(cluster), refreshed(commands)]);
      }
      let owner: string | undefined;
      await this.calls.call(this.subscriber, 'watch a QR code', () => {
        // Read once the subscriber is ready (its slot table loaded), right before ioredis routes the SSUBSCRIBE.
        owner = ownerOf(cluster, slot);
        return this.subscribe(channel.name);
      });
      if (owner !== undefined && ownerOf(cluster, slot) === owner) {
        channel.owner = owner;
        return;
      }
      // The table changed while subscribing (a failover under way): subscribe again on the slot's owner now.
      if (attempt === SUBSCRIBE_ATTEMPTS) throw new QrLoginStoreUnavailableError(SHARD_MOVED_MESSAGE);
    }
  }

  /** The subscriber, when it is a Cluster on sharded pub/sub (where each channel lives on one shard). */
  private get shardedCluster(): Cluster | undefined {
    return this.sharded && isCluster(this.subscriber) ? this.subscriber : undefined;
  }

  private subscribe(name: string): Promise<unknown> {
    return this.sharded ? this.subscriber.ssubscribe(name) : this.subscriber.subscribe(name);
  }

  private unsubscribe(name: string): Promise<unknown> {
    return this.sharded ? this.subscriber.sunsubscribe(name) : this.subscriber.unsubscribe(name);
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
    // Only live channels: one still being subscribed checks its owner itself once Redis confirmed it.
    const failWhere = (lost: (channel: Channel) => boolean) => {
      for (const channel of [...this.channels.values()]) {
        if (!channel.live || channel.owner === undefined || !lost(channel)) continue;
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
    // When the command connection learns a new slot table (it hears of a failover first), the subscriber follows.
    const commands = this.commands;
    if (commands && isCluster(commands) && commands !== cluster) {
      const follow = () => {
        if (!this.calls.closed && !sameMasters(commands, cluster)) cluster.refreshSlotsCache();
      };
      commands.on('refresh', follow);
      this.unfollow = () => commands.off('refresh', follow);
    }
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
}

/** The hash slot of a key or sharded channel, computed by ioredis itself (as it routes commands). */
function slotOf(name: string): number {
  const { Command } = loadIoredis();
  return new Command('ssubscribe', [name]).getSlot() as number;
}

/** Settles once `cluster` has reloaded its slot table (or failed to), at most CALL_TIMEOUT_MS later. */
function refreshed(cluster: Cluster): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, CALL_TIMEOUT_MS);
    cluster.refreshSlotsCache(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** True when two Cluster clients name the same master for every slot. */
function sameMasters(a: Cluster, b: Cluster): boolean {
  for (let slot = 0; slot < 16_384; slot++) if (ownerOf(a, slot) !== ownerOf(b, slot)) return false;
  return true;
}

/** The master (`host:port`) that owns `slot` in the Cluster client's current slot table. */
function ownerOf(cluster: Cluster, slot: number): string | undefined {
  return cluster.slots[slot]?.[0];
}
