import { describe, expect, it } from 'vitest';
import { QrCodeRepository } from '../../lib/kernel/qr-code.repository';
import { QrLoginStoreFullError, QrLoginStoreUnavailableError } from '../../lib/kernel/qr-login.errors';
import { expiryOfQrCodeId, newQrCodeId } from '../../lib/kernel/qr-login.ids';
import type { QrCodeRecord } from '../../lib/kernel/interfaces/qr-code.interface';
import { MemoryQrLoginStore } from '../../lib/stores/memory-qr-login.store';
import { newRecord } from '../../lib/testing';
import { codeOf } from '../support/kernel-parts';
import { ManualClock } from '../support/manual-clock';
import { closedAfterEach } from '../support/closed-after-each';

/*
 * The kernel's one door to the store, on the memory store and a manual clock:
 * store failures as the kernel's refusals, what an id the store does not hold
 * means, and the compare-and-set loop.
 */

/** A memory store that counts reads and compare-and-sets, and can lose every compare-and-set. */
class CountingStore extends MemoryQrLoginStore {
  reads = 0;
  writes = 0;
  loseEveryWrite = false;

  override async get(id: string): ReturnType<MemoryQrLoginStore['get']> {
    this.reads++;
    return super.get(id);
  }

  override async compareAndSet(id: string, version: number, record: QrCodeRecord): Promise<boolean> {
    this.writes++;
    return this.loseEveryWrite ? false : super.compareAndSet(id, version, record);
  }
}

describe('QrCodeRepository', () => {
  const keep = closedAfterEach<MemoryQrLoginStore>();

  function setUp() {
    const store = keep(new CountingStore());
    const clock = new ManualClock();
    const repository = new QrCodeRepository(store, clock);
    const add = async (): Promise<QrCodeRecord> => {
      const expiresAt = clock.now() + 60_000;
      const record = newRecord({ id: newQrCodeId(expiresAt), createdAt: clock.now(), expiresAt });
      await store.create(record);
      return record;
    };
    return { store, clock, repository, add };
  }

  describe('call', () => {
    it('answers an unreachable store as 503 QR_STORE_UNAVAILABLE, and passes other errors on as they are', async () => {
      const { repository } = setUp();
      const unreachable = repository.call(async () => {
        throw new QrLoginStoreUnavailableError('connection refused');
      });
      await expect(codeOf(unreachable)).resolves.toBe('QR_STORE_UNAVAILABLE');
      const bug = new TypeError('a bug in a store');
      await expect(
        repository.call(async () => {
          throw bug;
        }),
      ).rejects.toBe(bug);
    });

    it.each([
      [0, 1],
      [1, 1],
      [1_000, 1],
      [1_001, 2],
      [2_500, 3],
    ])('answers a full store freeing a slot in %i ms as QR_STORE_FULL, retry after %i s', async (ms, seconds) => {
      const { repository } = setUp();
      const refusal = await repository
        .call(async () => {
          throw new QrLoginStoreFullError('full', ms);
        })
        .catch((error: unknown) => error);
      expect(refusal).toMatchObject({ code: 'QR_STORE_FULL', retryAfterSeconds: seconds });
    });
  });

  describe('find', () => {
    it('answers 404 for an id that is no QR code id, without asking the store', async () => {
      const { repository, store } = setUp();
      await expect(codeOf(repository.find('not-an-id'))).resolves.toBe('QR_NOT_FOUND');
      expect(store.reads).toBe(0);
    });

    it('takes an unknown id as forgotten from its expiry on, and as never issued before it', async () => {
      const { repository, clock } = setUp();
      const id = newQrCodeId(clock.now() + 60_000);
      // Ids carry their expiry (in whole seconds).
      const expiry = expiryOfQrCodeId(id)!;
      clock.advance(expiry - 1 - clock.now());
      await expect(codeOf(repository.find(id))).resolves.toBe('QR_NOT_FOUND');
      clock.advance(1);
      await expect(repository.find(id)).resolves.toBeNull();
    });

    it('reads a code the store holds', async () => {
      const { repository, add } = setUp();
      const record = await add();
      await expect(repository.find(record.id)).resolves.toEqual(record);
    });
  });

  describe('update', () => {
    it('decides on the record the caller just read, without reading it again', async () => {
      const { repository, store, add } = setUp();
      const record = await add();
      store.reads = 0;
      const { record: written, changed } = await repository.update(
        record.id,
        (current) => ({ ...current, status: 'SCANNED' }),
        record,
      );
      expect(changed).toBe(true);
      expect(written).toMatchObject({ status: 'SCANNED', version: record.version + 1 });
      expect(store.reads).toBe(0);
    });

    it('reads again when the record the caller read is stale, and decides on the latest', async () => {
      const { repository, store, add } = setUp();
      const stale = await add();
      await store.compareAndSet(stale.id, stale.version, {
        ...stale,
        version: stale.version + 1,
        customData: { n: 2 },
      });
      store.reads = 0;
      const seen: unknown[] = [];
      const { record } = await repository.update(
        stale.id,
        (current) => {
          seen.push(current.customData);
          return { ...current, status: 'SCANNED' };
        },
        stale,
      );
      expect(seen).toEqual([stale.customData, { n: 2 }]);
      expect(store.reads).toBe(1);
      expect(record.version).toBe(stale.version + 2);
    });

    it('gives up after 32 lost compare-and-sets, naming the store as broken', async () => {
      const { repository, store, add } = setUp();
      const record = await add();
      store.loseEveryWrite = true;
      await expect(repository.update(record.id, (current) => ({ ...current, status: 'SCANNED' }))).rejects.toThrow(
        `QR code ${record.id} kept changing; the store's compareAndSet may be broken.`,
      );
      expect(store.writes).toBe(32);
    });

    it('refuses a forgotten code as QR_EXPIRED and changes nothing when the decision is to leave it', async () => {
      const { repository, clock, add, store } = setUp();
      const record = await add();
      const left = await repository.update(record.id, () => undefined);
      expect(left).toEqual({ record, changed: false });
      expect(store.writes).toBe(0);
      const forgotten = newQrCodeId(clock.now() - 1_000);
      await expect(codeOf(repository.update(forgotten, (current) => current))).resolves.toBe('QR_EXPIRED');
    });
  });
});
