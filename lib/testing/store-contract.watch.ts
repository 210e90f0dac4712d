import assert from 'node:assert/strict';
import type { QrLoginStore } from '../kernel/interfaces/qr-login-store.interface';
import { eventually, newRecord, sleep, successor } from './store-contract.helpers';
import type { ContractContext, QrLoginStoreProbes } from './store-contract.options';

/** Asserts the probes that are given: ids watched by `store`, and the backend's subscriptions for `id`. */
async function expectWatching(
  probes: QrLoginStoreProbes,
  store: QrLoginStore,
  id: string,
  counts: { ids?: number; subscribers?: number },
): Promise<void> {
  if (probes.watchedIds && counts.ids !== undefined) assert.equal(probes.watchedIds(store), counts.ids, 'watched ids');
  if (probes.subscribers && counts.subscribers !== undefined)
    assert.equal(await probes.subscribers(store, id), counts.subscribers, 'subscriptions on the backend');
}

/** Waits until the backend counts no subscription of `id` (when the store has that probe). */
async function expectUnsubscribed(probes: QrLoginStoreProbes, store: QrLoginStore, id: string): Promise<void> {
  const subscribers = probes.subscribers;
  if (!subscribers) return;
  await eventually(async () => (await subscribers(store, id)) === 0, 5_000, 'the unsubscribe to reach the backend');
}

/** The change feed: order, completeness after a read, copies, one subscription per id. @internal */
export function registerWatchCases({ it, pair, watch, probes }: ContractContext): void {
  it('delivers the create and every change to a watcher, in version order (from another instance where state is shared)', async () => {
    const [writer, watcher] = pair();
    const record = newRecord();
    const seen = watch(watcher, record.id);
    // Subscribe, then read: what the service does before it relies on the feed.
    assert.equal(await watcher.get(record.id), null);

    await writer.create(record);
    const written = [record];
    for (const status of ['SCANNED', 'SCANNED', 'AUTHORIZED', 'AUTHORIZED'] as const) {
      const next = successor(written.at(-1)!, { status });
      assert.equal(await writer.compareAndSet(record.id, next.version - 1, next), true);
      written.push(next);
    }
    await eventually(() => seen.records.length >= 5, 5_000, 'five changes on the watcher');
    assert.deepStrictEqual(seen.records, written);
    assert.deepStrictEqual(seen.errors, []);
    assert.equal(seen.completed, false);
  });

  it('misses no change made after a read that follows watch(), even while changes keep coming', async () => {
    const [writer, watcher] = pair();
    const record = newRecord();
    await writer.create(record);
    const writing = (async () => {
      let current = record;
      for (let round = 0; round < 40; round++) {
        const next = successor(current, { customData: { round } });
        if (!(await writer.compareAndSet(record.id, current.version, next))) throw new Error('lost a write to nobody');
        current = next;
      }
      return current;
    })();
    await sleep(1);
    const seen = watch(watcher, record.id);
    const read = await watcher.get(record.id);
    const last = await writing;

    const missing = () => {
      const versions = seen.versions();
      return Array.from({ length: last.version - read!.version }, (_, i) => read!.version + 1 + i).filter(
        (version) => !versions.includes(version),
      );
    };
    await eventually(() => missing().length === 0, 5_000, 'every version after the read on the watcher');
    assert.deepStrictEqual(missing(), []);
    const versions = seen.versions();
    for (let i = 1; i < versions.length; i++)
      assert.ok(versions[i] > versions[i - 1], `versions in order: ${versions}`);
  });

  it('gives each watcher its own copy', async () => {
    const [writer, watcher] = pair();
    const record = newRecord();
    const one = watch(watcher, record.id);
    const two = watch(watcher, record.id);
    await watcher.get(record.id);
    await writer.create(record);
    await eventually(() => one.records.length === 1 && two.records.length === 1, 5_000, 'the create on both watchers');
    one.records[0].customData!.nested = 'changed by one watcher';
    assert.deepStrictEqual(two.records[0], record);
    assert.deepStrictEqual(await watcher.get(record.id), record);
  });

  it('shares one subscription per id, and releases it when the last watcher leaves', async () => {
    const [writer, watcher] = pair();
    const record = newRecord();
    await writer.create(record);
    const one = watch(watcher, record.id);
    const two = watch(watcher, record.id);
    await watcher.get(record.id);
    await expectWatching(probes, watcher, record.id, { ids: 1, subscribers: 1 });
    // A second watched id is one more id, and no second subscription of the first.
    const other = watch(watcher, `${record.id}-other`);
    await watcher.get(`${record.id}-other`);
    await expectWatching(probes, watcher, record.id, { ids: 2, subscribers: 1 });
    other.subscription.unsubscribe();
    await expectWatching(probes, watcher, record.id, { ids: 1 });

    one.subscription.unsubscribe();
    const v2 = successor(record);
    assert.equal(await writer.compareAndSet(record.id, 1, v2), true);
    await eventually(() => two.records.length === 1, 5_000, 'the change on the remaining watcher');
    assert.deepStrictEqual(one.records, []);
    await expectWatching(probes, watcher, record.id, { subscribers: 1 });

    two.subscription.unsubscribe();
    await expectWatching(probes, watcher, record.id, { ids: 0 });
    await expectUnsubscribed(probes, watcher, record.id);

    // Released is not broken: the next watcher is served again.
    const three = watch(watcher, record.id);
    await watcher.get(record.id);
    const v3 = successor(v2);
    assert.equal(await writer.compareAndSet(record.id, 2, v3), true);
    await eventually(() => three.records.length === 1, 5_000, 'the change on a new watcher');
    assert.deepStrictEqual(three.records, [v3]);
    assert.deepStrictEqual(two.records, [v2]);
  });

  it('keeps the subscriptions of watchers that come and go quickly in order', async () => {
    const [writer, watcher] = pair();
    const record = newRecord();
    // Right after opening, while a networked store may still be connecting.
    for (let round = 0; round < 5; round++) watch(watcher, record.id).subscription.unsubscribe();
    const staying = watch(watcher, record.id);
    assert.equal(await watcher.get(record.id), null);
    await expectWatching(probes, watcher, record.id, { ids: 1, subscribers: 1 });
    await writer.create(record);
    const next = successor(record);
    assert.equal(await writer.compareAndSet(record.id, 1, next), true);
    await eventually(() => staying.records.length === 2, 5_000, 'the create and the change on the watcher that stayed');
    assert.deepStrictEqual(staying.records, [record, next]);
    staying.subscription.unsubscribe();
    await expectUnsubscribed(probes, watcher, record.id);
  });
}
