import type { QrLoginClock } from './qr-login.clock';
import { QrLoginStoreFullError, QrLoginStoreUnavailableError, qrErrors } from './qr-login.errors';
import { expiryOfQrCodeId, isQrCodeId } from './qr-login.ids';
import type { QrCodeRecord } from './interfaces/qr-code.interface';
import type { QrLoginStore } from './interfaces/qr-login-store.interface';

// A compare-and-set loses only to a concurrent change, after which the rules
// decide again; this many rounds means something else is broken.
const MAX_CAS_ROUNDS = 32;

/**
 * The kernel's only door to the store: reads, the compare-and-set loop, and
 * the translation of store failures into the kernel's refusals (503
 * `QR_STORE_UNAVAILABLE`, 503 `QR_STORE_FULL`).
 * @internal
 */
export class QrCodeRepository {
  constructor(
    private readonly store: QrLoginStore,
    private readonly clock: QrLoginClock,
  ) {}

  /** Runs a store call, turning "cannot serve" into the kernel's errors. */
  async call<T>(call: (store: QrLoginStore) => Promise<T>): Promise<T> {
    try {
      return await call(this.store);
    } catch (error) {
      if (error instanceof QrLoginStoreUnavailableError) throw qrErrors.storeUnavailable();
      if (error instanceof QrLoginStoreFullError)
        throw qrErrors.storeFull(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
      throw error;
    }
  }

  create(record: QrCodeRecord): Promise<void> {
    return this.call((store) => store.create(record));
  }

  /** 503 `QR_STORE_FULL` now when the store is at its cap; nothing for a store without one. */
  checkRoom(): Promise<void> {
    return this.call(async (store) => store.checkRoom?.());
  }

  /** The record as stored, or null (unknown, or forgotten after its retention). */
  get(id: string): Promise<QrCodeRecord | null> {
    return this.call((store) => store.get(id));
  }

  /** The record, or null when the id is well-formed but its code expired and was forgotten; 404 otherwise. */
  async find(qrcodeId: string): Promise<QrCodeRecord | null> {
    if (!isQrCodeId(qrcodeId)) throw qrErrors.notFound();
    const record = await this.get(qrcodeId);
    if (record) return record;
    const expiry = expiryOfQrCodeId(qrcodeId);
    if (expiry !== undefined && expiry <= this.clock.now()) return null;
    throw qrErrors.notFound();
  }

  /**
   * Read → decide → compare-and-set, again on a lost race. `decide` returns
   * the next record, `undefined` for "nothing to change", or throws the
   * refusal. A forgotten code is `QR_EXPIRED`. `known`, a record read just
   * before, saves the first read.
   */
  async update(
    qrcodeId: string,
    decide: (current: QrCodeRecord, now: number) => QrCodeRecord | undefined,
    known?: QrCodeRecord,
  ): Promise<{ record: QrCodeRecord; changed: boolean }> {
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      // A record the caller read just before serves the first round; if it is stale, the
      // compare-and-set fails and the next round reads again.
      const current = round === 0 && known ? known : await this.find(qrcodeId);
      if (current === null) throw qrErrors.expired();
      const next = decide(current, this.clock.now());
      if (next === undefined) return { record: current, changed: false };
      const written = { ...next, version: current.version + 1 };
      if (await this.call((store) => store.compareAndSet(qrcodeId, current.version, written)))
        return { record: written, changed: true };
    }
    throw new Error(`QR code ${qrcodeId} kept changing; the store's compareAndSet may be broken.`);
  }
}
