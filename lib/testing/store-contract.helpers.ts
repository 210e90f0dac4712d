import { randomUUID } from 'node:crypto';
import type { Subscription } from 'rxjs';
import type { QrCodeRecord } from '../kernel/interfaces/qr-code.interface';
import type { QrLoginStore } from '../kernel/interfaces/qr-login-store.interface';

/** What a watcher of `store.watch(id)` received so far (see `watchInto`). */
export interface Watched {
  /** Every record emitted, in arrival order. */
  records: QrCodeRecord[];
  /** Errors the feed ended with (at most one in a well-behaved store). */
  errors: unknown[];
  /** Whether the feed completed. A store's feed should not complete while the store is open. */
  completed: boolean;
  /** Unsubscribe with this when the test is done. */
  subscription: Subscription;
  /** The versions of `records`, in arrival order. */
  versions(): number[];
}

/** Subscribes to `store.watch(id)` and records everything it emits, errors and completion included. */
export function watchInto(store: QrLoginStore, id: string): Watched {
  const records: QrCodeRecord[] = [];
  const watched: Watched = {
    records,
    errors: [],
    completed: false,
    subscription: undefined as unknown as Subscription,
    versions: () => records.map((record) => record.version),
  };
  watched.subscription = store.watch(id).subscribe({
    next: (record) => records.push(record),
    error: (error: unknown) => watched.errors.push(error),
    complete: () => (watched.completed = true),
  });
  return watched;
}

/**
 * A valid record with a fresh random id (`contract-<uuid>`), created now and
 * living one minute (`expiresAt` and `retainUntil`, ms since the epoch) unless
 * `overrides` say otherwise. Its `customData` nests objects and arrays, so a
 * store that copies shallowly is caught.
 */
export function newRecord(overrides: Partial<QrCodeRecord> = {}): QrCodeRecord {
  const now = Date.now();
  return {
    id: `contract-${randomUUID()}`,
    type: 'MOBILE_APP',
    status: 'PENDING',
    version: 1,
    createdAt: now,
    expiresAt: now + 60_000,
    retainUntil: now + 60_000,
    creatorSecretHash: 'c2VjcmV0LWhhc2g',
    requester: { ip: '203.0.113.7', userAgent: 'contract-suite', createdAt: new Date(now).toISOString() },
    customData: { nested: { list: [1, 2, 3] } },
    ...overrides,
  };
}

/** The record as the service would write it next: a deep copy, one version up, with `changes` applied. */
export function successor(record: QrCodeRecord, changes: Partial<QrCodeRecord> = {}): QrCodeRecord {
  return { ...structuredClone(record), version: record.version + 1, ...changes };
}

/** Waits `ms` milliseconds of wall-clock time: stores expire on the real clock. @internal */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `condition` every 20 ms until it holds; fails naming `what` after
 * `timeoutMs` (default 5 s). For what a store does in the background (pub/sub
 * delivery, expiry, sweeping): the suite asserts that it happens, not how fast.
 */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = 'the condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
