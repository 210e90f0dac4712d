import type { Logger } from '@nestjs/common';
import type { QrCodeRecord } from '../../kernel/interfaces/qr-code.interface';

// Internal to the Redis store: expiry arguments, and the create-with-alias of a Redis Cluster.

/** A record's `retainUntil` as PEXPIREAT takes it: whole milliseconds since the epoch. @internal */
export function expiryOf(record: QrCodeRecord): number {
  if (typeof record.retainUntil !== 'number' || !Number.isFinite(record.retainUntil)) {
    throw new TypeError(
      `QR code ${record.id} has no valid retainUntil (ms since the epoch): ${String(record.retainUntil)}.`,
    );
  }
  return Math.ceil(record.retainUntil);
}

/** An alias's `expiresAt` as PXAT takes it: whole milliseconds since the epoch, at least 1. @internal */
export function aliasExpiryOf(expiresAt: number): number {
  return Math.max(1, Math.ceil(expiresAt));
}

/** The two writes of a create with an alias, and how to take one back (see `createBothAtOnce`). @internal */
export interface BothWrites {
  /** SET NX of the alias: true when set, false when taken. */
  alias(): Promise<boolean>;
  /** The record's create script; rejects when the id exists. */
  record(): Promise<void>;
  /** Deletes `key` (one of `keys`); `what` names the step in errors. */
  undo(what: string, key: string): Promise<unknown>;
  keys: { alias: string; record: string };
  /** Drops what this instance cached of the record before it is taken back. */
  forget(): void;
}

/**
 * On a Redis Cluster the alias (tagged by itself, since it is looked up
 * alone) and the record (tagged by its id) live on different slots, which
 * no script may span. Both writes go out at once (one round trip of
 * latency, two commands), and when one did not land the other is taken
 * back: a taken alias leaves no record, a failed record no alias. A crash
 * between the two can leave an alias pointing at no record, which resolves
 * to a code that reads as unknown until the alias expires. Resolves like
 * `createWithAlias`; rejects with the record's error, else the alias's.
 * @internal
 */
export async function createBothAtOnce(logger: Logger, writes: BothWrites): Promise<boolean> {
  const undo = (what: string, key: string) =>
    writes.undo(what, key).catch((error: unknown) => {
      logger.warn(`Could not ${what} after a refused create (${String(error)}); it expires by itself.`);
    });
  const [aliased, created] = await Promise.allSettled([writes.alias(), writes.record()]);
  const aliasSet = aliased.status === 'fulfilled' && aliased.value;
  if (aliasSet && created.status === 'fulfilled') return true;
  if (aliasSet) await undo('remove an alias', writes.keys.alias);
  if (created.status === 'fulfilled') {
    writes.forget();
    await undo('remove a QR code', writes.keys.record);
  }
  if (created.status === 'rejected') throw created.reason;
  if (aliased.status === 'rejected') throw aliased.reason;
  return false;
}
