import { MemoryQrLoginStore, type QrLoginStore } from '../../lib';

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
}

export const memoryStoreKind: StoreKind = {
  name: 'memory',
  setup: async () => undefined,
  make: () => new MemoryQrLoginStore(),
  teardown: async () => undefined,
};

/** Every store kind; the Redis one joins when its store exists. */
export const STORE_KINDS: StoreKind[] = [memoryStoreKind];
