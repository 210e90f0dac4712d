import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eventually, newRecord, sleep, successor } from './store-contract.helpers';
import type { ContractContext } from './store-contract.options';

/** Records in and out: copies, unknown ids, single creation, compare-and-set and expiry. @internal */
export function registerWriteCases({ it, open, pair, probes, sharesState }: ContractContext): void {
  it('returns what was created, as copies that do not alias the store', async () => {
    const store = open();
    const record = newRecord();
    const original = structuredClone(record);
    await store.create(record);
    record.status = 'CANCELLED';
    record.customData!.nested = 'changed after create';

    const first = await store.get(record.id);
    assert.deepStrictEqual(first, original);
    first!.status = 'SCANNED';
    first!.requester.ip = '198.51.100.1';
    assert.deepStrictEqual(await store.get(record.id), original);
  });

  it("keeps a key-bound record's creatorKey through create, compareAndSet and createWithAlias, on every instance", async () => {
    const [a, b] = pair();
    const creatorKey = { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' };
    const record = newRecord({ creatorKey });
    await a.create(record);
    assert.deepStrictEqual((await b.get(record.id))?.creatorKey, creatorKey);
    assert.equal(await b.compareAndSet(record.id, 1, successor(record, { status: 'SCANNED' })), true);
    assert.deepStrictEqual((await a.get(record.id))?.creatorKey, creatorKey);
    if (!a.createWithAlias) return;
    const aliased = newRecord({ creatorKey });
    const alias = { key: `contract-dpop-${randomUUID()}`, expiresAt: Date.now() + 60_000 };
    assert.equal(await a.createWithAlias(aliased, alias), true);
    assert.deepStrictEqual((await b.get(aliased.id))?.creatorKey, creatorKey);
  });

  it('answers null for an id it does not know', async () => {
    assert.equal(await open().get(`contract-${randomUUID()}`), null);
  });

  it('refuses to create an id twice and keeps the first record', async () => {
    const [a, b] = pair();
    const record = newRecord();
    await a.create(record);
    await assert.rejects(a.create({ ...record, status: 'SCANNED' }), /exists/);
    await assert.rejects(b.create({ ...record, status: 'CANCELLED' }), /exists/);
    assert.deepStrictEqual(await b.get(record.id), record);
  });

  it('compareAndSet writes only over the expected version, and stores a copy', async () => {
    const [a, b] = pair();
    const record = newRecord();
    await a.create(record);

    assert.equal(await a.compareAndSet(record.id, 2, successor(record, { version: 3, status: 'SCANNED' })), false);
    assert.deepStrictEqual(await b.get(record.id), record);

    const next = successor(record, { status: 'SCANNED' });
    assert.equal(await b.compareAndSet(record.id, 1, next), true);
    const written = structuredClone(next);
    next.status = 'CANCELLED';
    assert.deepStrictEqual(await a.get(record.id), written);

    // The old version lost its chance with the first write.
    assert.equal(await a.compareAndSet(record.id, 1, successor(record, { status: 'CANCELLED' })), false);
    assert.deepStrictEqual(await a.get(record.id), written);
    assert.equal(await a.compareAndSet(record.id, 2, successor(written, { status: 'AUTHORIZED' })), true);
    assert.equal((await b.get(record.id))!.version, 3);
  });

  it('lets exactly one of 200 concurrent compareAndSets with the same expected version win', async () => {
    const [a, b] = pair();
    const stores = [a, b];
    const record = newRecord();
    await a.create(record);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, attempt) =>
        stores[attempt % 2].compareAndSet(record.id, 1, successor(record, { customData: { attempt } })),
      ),
    );
    assert.equal(results.filter(Boolean).length, 1);
    const stored = await b.get(record.id);
    assert.equal(stored!.version, 2);
    assert.deepStrictEqual(stored!.customData, { attempt: results.indexOf(true) });
  });

  it('forgets a record once retainUntil has passed, by itself, and frees what it held', async () => {
    const store = open();
    const record = newRecord({ expiresAt: Date.now() + 400, retainUntil: Date.now() + 400 });
    await store.create(record);
    assert.deepStrictEqual(await store.get(record.id), record);
    if (probes.holds) assert.equal(await probes.holds(store, record.id), true, 'holds the live record');

    await sleep(Math.max(record.retainUntil - Date.now(), 0) + 20);
    // Reads answer null at once, whether or not the backend has cleaned up yet (on another
    // instance, where there is one: a read on the store itself could be what frees the record).
    if (sharesState) assert.equal(await open().get(record.id), null);
    // No read on the store in between: it must let go on its own.
    if (probes.holds) {
      const holds = probes.holds;
      await eventually(async () => !(await holds(store, record.id)), 5_000, 'the store to free the expired record');
    }
    assert.equal(await store.get(record.id), null);
    assert.equal(await store.compareAndSet(record.id, 1, successor(record)), false);
    assert.equal(await store.get(record.id), null);
  });

  it('compareAndSet moves the expiry to the new retainUntil, later or earlier', async () => {
    const store = open();
    const record = newRecord({ retainUntil: Date.now() + 300 });
    await store.create(record);
    const extended = successor(record, { status: 'SCANNED', retainUntil: Date.now() + 60_000 });
    assert.equal(await store.compareAndSet(record.id, 1, extended), true);
    await sleep(Math.max(record.retainUntil - Date.now(), 0) + 100);
    assert.deepStrictEqual(await store.get(record.id), extended);

    const shortened = successor(extended, { status: 'CANCELLED', retainUntil: Date.now() + 200 });
    assert.equal(await store.compareAndSet(record.id, 2, shortened), true);
    await sleep(Math.max(shortened.retainUntil - Date.now(), 0) + 50);
    assert.equal(await store.get(record.id), null);
  });
}
