import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { QrLoginStoreUnavailableError } from '../kernel/qr-login.errors';
import { eventually, newRecord, sleep, successor } from './store-contract.helpers';
import type { ContractContext } from './store-contract.options';

/** One-time facts, aliases, and what `close()` leaves behind. @internal */
export function registerFactCases({ it, open, pair, watch, probes, unavailableAfterClose }: ContractContext): void {
  it('rememberOnce is true once per key while it lives, on every instance, and the key is forgotten after its ttl', async () => {
    const [a, b] = pair();
    const key = `nonce-${randomUUID()}`;
    assert.equal(await a.rememberOnce(key, 60_000), true);
    assert.equal(await a.rememberOnce(key, 60_000), false);
    assert.equal(await b.rememberOnce(key, 60_000), false);
    assert.equal(await b.rememberOnce(`${key}-other`, 60_000), true);

    const short = `short-${randomUUID()}`;
    assert.equal(await a.rememberOnce(short, 150), true);
    assert.equal(await b.rememberOnce(short, 150), false);
    // Only "eventually": how late the store forgets is not measured, only that it does.
    await eventually(async () => (await b.rememberOnce(short, 60_000)) === true, 5_000, 'the short fact to expire');
    assert.equal(await a.rememberOnce(short, 60_000), false);
  });

  it('lets exactly one of 200 concurrent rememberOnce calls for one key through', async () => {
    const [a, b] = pair();
    const key = `race-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => [a, b][i % 2].rememberOnce(key, 60_000)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('setAlias points an alias at an id once, resolveAlias reads it on every instance until it expires', async () => {
    const [a, b] = pair();
    const alias = `ALIAS-${randomUUID()}`;
    assert.equal(await b.resolveAlias(alias), null);
    assert.equal(await a.setAlias(alias, 'code-one', Date.now() + 60_000), true);
    assert.equal(await b.resolveAlias(alias), 'code-one');
    assert.equal(await b.setAlias(alias, 'code-two', Date.now() + 60_000), false);
    assert.equal(await a.resolveAlias(alias), 'code-one');

    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => [a, b][i % 2].setAlias(`${alias}-race`, `code-${i}`, Date.now() + 60_000)),
    );
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(await a.resolveAlias(`${alias}-race`), `code-${results.indexOf(true)}`);

    const brief = `${alias}-brief`;
    assert.equal(await a.setAlias(brief, 'code-brief', Date.now() + 150), true);
    await eventually(async () => (await b.resolveAlias(brief)) === null, 5_000, 'the alias to expire');
    // An expired alias is free again.
    assert.equal(await b.setAlias(brief, 'code-next', Date.now() + 60_000), true);
    assert.equal(await a.resolveAlias(brief), 'code-next');
  });

  it('createWithAlias (when offered) writes the record and its alias together, or neither when the alias is taken', async () => {
    const [a, b] = pair();
    if (!a.createWithAlias || !b.createWithAlias) return;
    const key = `ALIAS-${randomUUID()}`;
    const record = newRecord();
    const seen = watch(b, record.id);
    await b.get(record.id);
    assert.equal(await a.createWithAlias(record, { key, expiresAt: Date.now() + 60_000 }), true);
    assert.deepStrictEqual(await b.get(record.id), record);
    assert.equal(await b.resolveAlias(key), record.id);
    await eventually(async () => seen.records.length === 1, 5_000, 'the watcher to see the create');
    assert.deepStrictEqual(seen.versions(), [1]);

    // A taken alias: refused on every instance, and the refused record is not written.
    for (const store of [a, b]) {
      const refused = newRecord();
      assert.equal(await store.createWithAlias!(refused, { key, expiresAt: Date.now() + 60_000 }), false);
      assert.equal(await a.get(refused.id), null);
      assert.equal(await b.get(refused.id), null);
    }
    assert.equal(await a.resolveAlias(key), record.id);
    const set = `${key}-set`;
    assert.equal(await a.setAlias(set, 'code-one', Date.now() + 60_000), true);
    const behind = newRecord();
    assert.equal(await b.createWithAlias(behind, { key: set, expiresAt: Date.now() + 60_000 }), false);
    assert.equal(await a.get(behind.id), null);
    assert.equal(await b.resolveAlias(set), 'code-one');

    // Of concurrent creates for one alias exactly one lands, with its record; the others leave nothing.
    const racers = Array.from({ length: 20 }, () => newRecord());
    const race = `${key}-race`;
    const results = await Promise.all(
      racers.map((racer, i) => [a, b][i % 2].createWithAlias!(racer, { key: race, expiresAt: Date.now() + 60_000 })),
    );
    assert.equal(results.filter(Boolean).length, 1);
    const winner = racers[results.indexOf(true)];
    assert.equal(await a.resolveAlias(race), winner.id);
    const stored = await Promise.all(racers.map((racer) => b.get(racer.id)));
    assert.deepStrictEqual(
      stored.map((found) => found?.id ?? null),
      racers.map((racer) => (racer === winner ? racer.id : null)),
    );

    // The alias expires at its own expiresAt, and is free again then.
    const brief = `${key}-brief`;
    assert.equal(await a.createWithAlias(newRecord(), { key: brief, expiresAt: Date.now() + 150 }), true);
    await eventually(async () => (await b.resolveAlias(brief)) === null, 5_000, 'the alias to expire');
    const next = newRecord();
    assert.equal(await b.createWithAlias(next, { key: brief, expiresAt: Date.now() + 60_000 }), true);
    assert.equal(await a.resolveAlias(brief), next.id);
  });

  it('close() releases records, timers, watchers and connections', async () => {
    const [writer, watcher] = pair();
    const probe = open();
    const record = newRecord();
    await writer.create(record);
    const seen = watch(watcher, record.id);
    await watcher.get(record.id);
    if (probes.subscribers) assert.equal(await probes.subscribers(watcher, record.id), 1);

    await watcher.close?.();
    await watcher.close?.();
    if (probes.watchedIds) assert.equal(probes.watchedIds(watcher), 0, 'watched ids after close()');
    if (probes.released) assert.equal(await probes.released(watcher), true, 'released after close()');
    if (unavailableAfterClose) {
      assert.equal(seen.errors.length, 1, 'the watcher ends with one error');
      assert.ok(seen.errors[0] instanceof QrLoginStoreUnavailableError, `not unavailable: ${String(seen.errors[0])}`);
    }
    const subscribers = probes.subscribers;
    if (subscribers) {
      await eventually(
        async () => (await subscribers(probe, record.id)) === 0,
        5_000,
        'the closed store to unsubscribe',
      );
    }
    if (unavailableAfterClose) await assert.rejects(watcher.get(record.id), QrLoginStoreUnavailableError);
    if (writer !== watcher) {
      assert.equal(await writer.compareAndSet(record.id, 1, successor(record)), true);
      assert.equal((await probe.get(record.id))!.version, 2);
    }
    await sleep(50);
    assert.deepStrictEqual(seen.records, []);
  });
}
