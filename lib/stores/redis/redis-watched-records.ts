import type { QrCodeRecord } from '../../kernel/interfaces/qr-code.interface';

// Internal to the Redis store: reads of watched codes served from the change feed.

/** The newest record known for a watched code, as stored (raw JSON) with what a read needs to judge it. @internal */
export interface WatchedRecord {
  json: string;
  version: number;
  retainUntil: number;
}

/** What the cache needs of a change-feed channel. @internal */
export interface WatchedChannel {
  readonly name: string;
  /** SUBSCRIBE confirmed by Redis and not undone: only then does the channel deliver every later change. */
  live: boolean;
  /**
   * The newest record known while the channel is live: what this instance
   * wrote, read from Redis, or received on the channel.
   */
  latest?: WatchedRecord;
}

/** Keeps the newer of the channel's record and `json` (versions only grow). Not a record of ours: ignored. @internal */
export function remember(channel: WatchedChannel, json: string): void {
  let record: Pick<QrCodeRecord, 'version' | 'retainUntil'>;
  try {
    record = JSON.parse(json);
  } catch {
    return;
  }
  if (typeof record?.version !== 'number' || typeof record.retainUntil !== 'number') return;
  if (channel.latest && channel.latest.version >= record.version) return;
  channel.latest = { json, version: record.version, retainUntil: record.retainUntil };
}

/**
 * Reads of a code this instance watches (its channel is live) are served from
 * the newest record the instance wrote or received, with no round trip: the
 * channel delivers every later change, in order. This saves one Redis read per
 * status poll of a watched code.
 * @internal
 */
export class RedisWatchedRecords {
  /** `channelOf` finds the current channel of a name (undefined when nobody here watches it). */
  constructor(private readonly channelOf: (name: string) => WatchedChannel | undefined) {}

  /** The record to serve without asking Redis, or undefined when Redis must be asked. */
  cached(channel: WatchedChannel | undefined): QrCodeRecord | undefined {
    const cached = channel?.live ? channel.latest : undefined;
    if (cached && cached.retainUntil > Date.now()) return JSON.parse(cached.json) as QrCodeRecord;
    return undefined;
  }

  /**
   * True while `channel` is live and still the current one of its name. Only
   * a read issued (and answered) while this holds may seed the cache: a change
   * made before the subscription would be missed.
   */
  canSeed(channel: WatchedChannel | undefined): channel is WatchedChannel {
    return channel !== undefined && channel.live && this.channelOf(channel.name) === channel;
  }

  /** What this instance wrote is what its next read of a watched code must see, before the channel echoes it. */
  wrote(name: string, json: string, version: number, retainUntil: number): void {
    const channel = this.channelOf(name);
    if (channel?.live && !(channel.latest && channel.latest.version >= version))
      channel.latest = { json, version, retainUntil };
  }

  /** Lost a race: the change that won may not have arrived yet, so the next read asks Redis. */
  forget(name: string): void {
    const channel = this.channelOf(name);
    if (channel) channel.latest = undefined;
  }
}
