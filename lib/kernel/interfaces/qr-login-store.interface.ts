import type { Observable } from 'rxjs';
import type { QrCodeRecord } from './qr-code.interface';
import type { QrLoginRateLimiter } from './qr-login-rate-limiter.interface';

/**
 * Where codes live. The service keeps the state machine; a store only has to
 * keep records and make each change atomic, which keeps a new store (SQL,
 * Memcached, …) small. What an implementation must guarantee:
 *
 * - **Atomic compare-and-set.** `compareAndSet` writes only when the stored
 *   `version` equals `expectedVersion`, as one indivisible step: of many
 *   concurrent calls with the same expected version exactly one returns true.
 *   That alone makes transitions race-free and tickets single-use.
 * - **Expiry.** A record is gone (reads `null`) once `retainUntil` has passed,
 *   whether or not anyone reads it, and the store frees what it held for it.
 * - **Change feed.** Every successful `create` / `compareAndSet` is delivered to
 *   every current `watch(id)` subscriber, on every process that shares the
 *   store, in version order. A change committed after a `get(id)` that was
 *   called after subscribing to `watch(id)` must reach that subscription (the
 *   service subscribes, then reads, and drops duplicates by version). Expiry
 *   need not be announced: the service derives `EXPIRED` from `expiresAt`.
 * - **Isolation.** Records are copies: mutating a returned record, or one passed
 *   in, must not change what the store holds.
 * - **One-time facts and aliases** (`rememberOnce`, `setAlias`, `resolveAlias`)
 *   are atomic across every process that shares the store and expire by
 *   themselves like records do.
 */
/** An alias to write with a new record (`createWithAlias`): the same as `setAlias`'s `alias` and `expiresAt`. */
export interface QrLoginStoreAlias {
  /** The alias, such as a user code's store key. */
  key: string;
  /** When the alias stops resolving, in ms since the epoch. */
  expiresAt: number;
}

export interface QrLoginStore {
  /** Stores a new record; fails if the id exists (ids are random, so this means a bug). */
  create(record: QrCodeRecord): Promise<void>;
  /**
   * Optional: `create` and `setAlias(alias.key, record.id, alias.expiresAt)`
   * as one atomic step, in one round trip where the backend allows. Returns
   * false, and writes neither, when the alias points somewhere already and
   * has not expired (the kernel then retries with a new user code); throws
   * what `create` throws otherwise. A store without it gets the two calls
   * (alias first, then the record), so stores written before it keep working.
   */
  createWithAlias?(record: QrCodeRecord, alias: QrLoginStoreAlias): Promise<boolean>;
  /**
   * Optional, for a store with a cap on codes held: throws what `create`
   * would throw at the cap (`QrLoginStoreFullError`) when a create would be
   * refused now. The kernel asks before it renders an image or writes a user
   * code's alias, so a refused create leaves nothing behind. Stores without a
   * cap leave it out.
   */
  checkRoom?(): Promise<void>;
  /** The record, or `null` when unknown or past `retainUntil`. */
  get(id: string): Promise<QrCodeRecord | null>;
  /**
   * Replaces the record when its stored version is `expectedVersion`, in one
   * atomic step, and announces it to watchers. `next.version` is already
   * `expectedVersion + 1`. Returns false when the version differs or the record is gone.
   */
  compareAndSet(id: string, expectedVersion: number, next: QrCodeRecord): Promise<boolean>;
  /** Each later change of the record. Unsubscribing must release everything the subscription held. */
  watch(id: string): Observable<QrCodeRecord>;
  /**
   * Records `key` for `ttlMs` milliseconds unless it is recorded already, as
   * one atomic step: true the first time, false while the key lives (on every
   * process sharing the store). For facts that may count once, such as the
   * nonce of a signed push (replay protection) or a poll within an interval.
   */
  rememberOnce(key: string, ttlMs: number): Promise<boolean>;
  /**
   * Points `alias` (e.g. a short code a user types) at the code `id` until
   * `expiresAt` (ms since the epoch), as one atomic step. Returns false, and
   * changes nothing, when the alias points somewhere already and has not expired.
   */
  setAlias(alias: string, id: string, expiresAt: number): Promise<boolean>;
  /** The code id `alias` points to, or `null` when unknown or past its expiry. */
  resolveAlias(alias: string): Promise<string | null>;
  /**
   * Optional: a rate limiter counting in this store, so every instance that
   * shares the store shares each limit too. The module uses it when the app
   * sets no `rateLimit.limiter`; the store closes what it uses in `close`.
   * A store that several processes share should offer one: without it the
   * module refuses to start rather than let each instance count alone.
   */
  createRateLimiter?(): QrLoginRateLimiter;
  /** Optional: releases timers, connections and subscribers; called on application shutdown. */
  close?(): Promise<void>;
}
