import type { QrLoginStore } from '../plugin';

/** Measures one store call: `method` is the store's, `qrcodeId` the code it concerns (hashed before recording). */
export type StoreCallMeasure = <T>(method: string, qrcodeId: string | undefined, call: () => Promise<T>) => Promise<T>;

/**
 * `store` with each of its calls measured by `measure`, built once when the
 * kernel is wired. Only a call's code id reaches the measure, never an alias
 * (a user code), a one-time key (a nonce) or a record. Optional methods stay
 * present or absent as on `store`, which the kernel reads as "can do";
 * `watch` is a subscription, not a call, and passes through unmeasured.
 */
export function measuredStore(store: QrLoginStore, measure: StoreCallMeasure): QrLoginStore {
  const measured: QrLoginStore = {
    create: (record) => measure('create', record.id, () => store.create(record)),
    get: (id) => measure('get', id, () => store.get(id)),
    compareAndSet: (id, expectedVersion, next) =>
      measure('compareAndSet', id, () => store.compareAndSet(id, expectedVersion, next)),
    watch: (id) => store.watch(id),
    rememberOnce: (key, ttlMs) => measure('rememberOnce', undefined, () => store.rememberOnce(key, ttlMs)),
    setAlias: (alias, id, expiresAt) => measure('setAlias', id, () => store.setAlias(alias, id, expiresAt)),
    resolveAlias: (alias) => measure('resolveAlias', undefined, () => store.resolveAlias(alias)),
  };
  const { createWithAlias, checkRoom, createRateLimiter, close } = store;
  if (createWithAlias)
    measured.createWithAlias = (record, alias) =>
      measure('createWithAlias', record.id, () => createWithAlias.call(store, record, alias));
  if (checkRoom) measured.checkRoom = () => measure('checkRoom', undefined, () => checkRoom.call(store));
  if (createRateLimiter) measured.createRateLimiter = () => createRateLimiter.call(store);
  if (close) measured.close = () => close.call(store);
  return measured;
}
