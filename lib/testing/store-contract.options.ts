import type { QrLoginStore } from '../kernel/interfaces/qr-login-store.interface';
import type { Watched } from './store-contract.helpers';

/**
 * The parts of a test framework the contract registers its cases with. Vitest
 * and Jest pass their globals as they are; `node:test` passes
 * `{ describe, it, beforeAll: before, afterAll: after, afterEach }`. The cases
 * assert with `node:assert/strict`, which every one of them reports as a failure.
 */
export interface QrLoginTestFramework {
  describe(name: string, body: () => void): unknown;
  it(name: string, body: () => Promise<void>): unknown;
  beforeAll(hook: () => unknown): unknown;
  afterAll(hook: () => unknown): unknown;
  afterEach(hook: () => unknown): unknown;
}

/**
 * Optional looks inside a store, for the guarantees a black box cannot show
 * ("frees what it held", "one subscription per id"). Give the ones your store
 * can answer; each one given turns on the assertions that use it.
 */
export interface QrLoginStoreProbes<S extends QrLoginStore = QrLoginStore> {
  /** Ids this instance watches right now: one per id however many subscribers it has, 0 once they left. */
  watchedIds?(store: S): number;
  /**
   * Subscriptions to code `id`'s change channel that the backend counts, over
   * every instance and process (e.g. Redis `PUBSUB NUMSUB`). Only for a store
   * that subscribes per id and unsubscribes when the id's last watcher leaves.
   */
  subscribers?(store: S, id: string): Promise<number>;
  /**
   * Whether the store or its backend still holds anything of code `id`
   * (the record, its versions, a timer, a key). Called on a store made for one
   * test, so a count over the whole instance is fine for an in-process store.
   */
  holds?(store: S, id: string): Promise<boolean> | boolean;
  /** Whether `closed`, after `close()`, let go of its connections, timers and records. */
  released?(closed: S): Promise<boolean> | boolean;
}

/** What a store claims beyond the interface, and how to prepare it. */
export interface QrLoginStoreContractOptions<S extends QrLoginStore = QrLoginStore> {
  /** `describe`, `it` and the hooks of your test framework (see `QrLoginTestFramework`). */
  framework: QrLoginTestFramework;
  /**
   * Whether stores made by the factory share state, like two app instances
   * behind a load balancer. Then every case that writes on one instance reads
   * and watches on a second one. Default true: every store meant for more than
   * one process must; only an in-process store (like the memory one) says false.
   */
  sharesState?: boolean;
  /**
   * Whether a closed store ends its watchers with `QrLoginStoreUnavailableError`
   * and rejects later calls with it (what a networked store does once its
   * connections are gone). Default: the value of `sharesState`.
   */
  unavailableAfterClose?: boolean;
  /** Runs once before the cases (e.g. starts a server the factory connects to). */
  setup?(): Promise<void> | void;
  /** Runs once after the cases (e.g. stops that server). */
  teardown?(): Promise<void> | void;
  /** Looks inside the store; see `QrLoginStoreProbes`. */
  probes?: QrLoginStoreProbes<S>;
}

/** What each group of cases is given: the framework's `it`, fresh stores, and the store's claims. @internal */
export interface ContractContext {
  it: QrLoginTestFramework['it'];
  /** A fresh store, closed after the case. */
  open(): QrLoginStore;
  /** A writer and a reader/watcher: two instances where state is shared, else the same one twice. */
  pair(): [QrLoginStore, QrLoginStore];
  /** `watchInto`, unsubscribed after the case. */
  watch(store: QrLoginStore, id: string): Watched;
  probes: QrLoginStoreProbes;
  sharesState: boolean;
  unavailableAfterClose: boolean;
}
