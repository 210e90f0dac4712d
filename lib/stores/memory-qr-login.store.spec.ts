import { firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { QrCodeRecord } from '../kernel/interfaces/qr-code.interface';
import { QrLoginConfigError, QrLoginStoreFullError } from '../kernel/qr-login.errors';
import { MemoryQrLoginStore } from './memory-qr-login.store';

function record(id: string, lifeMs: number): QrCodeRecord {
  const now = Date.now();
  return {
    id,
    type: 'MOBILE_APP',
    status: 'PENDING',
    version: 1,
    createdAt: now,
    expiresAt: now + lifeMs,
    retainUntil: now + lifeMs,
    creatorSecretHash: 'h',
    requester: { createdAt: new Date(now).toISOString() },
  };
}

describe('MemoryQrLoginStore', () => {
  it('holds no entry and no timer for codes once they expired', async () => {
    vi.useFakeTimers();
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const store = new MemoryQrLoginStore();
    for (let i = 0; i < 500; i++) await store.create(record(`id-${i}`, 50 + (i % 50)));
    expect(store.size).toBe(500);
    expect(store.timers).toBe(500);
    // Changing a record re-arms its timer rather than adding one.
    const first = (await store.get('id-0'))!;
    expect(await store.compareAndSet('id-0', 1, { ...first, version: 2, status: 'SCANNED' })).toBe(true);
    expect(store.timers).toBe(500);
    // The last of them ends 99 ms from now.
    vi.advanceTimersByTime(98);
    expect(store.size).toBeGreaterThan(0);
    vi.advanceTimersByTime(1);
    expect(store.size).toBe(0);
    expect(store.timers).toBe(0);
    expect(await store.get('id-1')).toBeNull();
  });

  it('frees the watcher set of an id when its last watcher leaves', async () => {
    const store = new MemoryQrLoginStore();
    await store.create(record('w', 10_000));
    const seen = firstValueFrom(store.watch('w').pipe(take(2), toArray()));
    const other = store.watch('w').subscribe();
    expect(store.watchedIds).toBe(1);
    const current = (await store.get('w'))!;
    await store.compareAndSet('w', 1, { ...current, version: 2, status: 'SCANNED' });
    await store.compareAndSet('w', 2, { ...current, version: 3, status: 'CANCELLED' });
    expect((await seen).map((r) => r.version)).toEqual([2, 3]);
    other.unsubscribe();
    expect(store.watchedIds).toBe(0);
    await store.close();
    expect(store.size).toBe(0);
    expect(store.timers).toBe(0);
  });
});

/*
 * The same store on fake time (Date and timers): each bound is tested at the
 * millisecond it takes effect, and what the store holds is counted as it goes.
 */
describe('MemoryQrLoginStore on fake time', () => {
  const START = Date.UTC(2026, 0, 1);
  const internals = (store: MemoryQrLoginStore) =>
    store as unknown as { sweeper?: NodeJS.Timeout; entries: Map<string, { timer: NodeJS.Timeout }> };

  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses a maxCodes that is not a whole number of at least 1, saying which', () => {
    for (const maxCodes of [0, -1, 1.5, Number.NaN]) {
      expect(() => new MemoryQrLoginStore({ maxCodes })).toThrow(QrLoginConfigError);
      expect(() => new MemoryQrLoginStore({ maxCodes })).toThrow(
        `QrLoginModule is misconfigured: MemoryQrLoginStore "maxCodes" must be a whole number of at least 1; got ${String(maxCodes)}.`,
      );
    }
    expect(new MemoryQrLoginStore({ maxCodes: 1 }).size).toBe(0);
    expect(new MemoryQrLoginStore({}).size).toBe(0);
  });

  it('holds exactly maxCodes codes, refuses the next with the time until the oldest frees its slot, and takes it again then', async () => {
    const store = new MemoryQrLoginStore({ maxCodes: 2 });
    await store.create(record('a', 30_000));
    vi.advanceTimersByTime(1_000);
    await store.create(record('b', 60_000));
    await expect(store.checkRoom()).rejects.toThrow(QrLoginStoreFullError);
    for (const attempt of [
      () => store.create(record('c', 60_000)),
      () => store.createWithAlias(record('c', 60_000), { key: 'ALIAS-C', expiresAt: START + 60_000 }),
      () => store.checkRoom(),
    ]) {
      const refusal = (await attempt().catch((error: unknown) => error)) as QrLoginStoreFullError;
      expect(refusal).toBeInstanceOf(QrLoginStoreFullError);
      expect(refusal.message).toBe('The in-memory store holds 2 codes, its maxCodes.');
      // 'a' is kept until START + 30 000; it is START + 1 000 now.
      expect(refusal.retryAfterMs).toBe(29_000);
    }
    expect(await store.resolveAlias('ALIAS-C')).toBeNull();
    expect(store.size).toBe(2);
    expect((await store.get('a'))!.id).toBe('a');

    // Less than a second left is still answered as a second.
    vi.advanceTimersByTime(28_500);
    expect(((await store.checkRoom().catch((error: unknown) => error)) as QrLoginStoreFullError).retryAfterMs).toBe(
      1_000,
    );
    vi.advanceTimersByTime(500);
    expect(store.size).toBe(1);
    await store.checkRoom();
    await store.create(record('c', 60_000));
    expect(store.size).toBe(2);
    await store.close();
  });

  it('refuses an id it holds already, keeping the first record and its alias untouched', async () => {
    const store = new MemoryQrLoginStore();
    await store.create(record('a', 60_000));
    const message = 'A QR code with id a exists already.';
    await expect(store.create({ ...record('a', 60_000), status: 'CANCELLED' })).rejects.toThrow(message);
    await expect(
      store.createWithAlias({ ...record('a', 60_000), status: 'CANCELLED' }, { key: 'K', expiresAt: START + 60_000 }),
    ).rejects.toThrow(message);
    expect((await store.get('a'))!.status).toBe('PENDING');
    expect(await store.resolveAlias('K')).toBeNull();
    expect(store.timers).toBe(1);
    await store.close();
  });

  it('serves a record until the millisecond before retainUntil and forgets it from then on, even before its timer fires', async () => {
    const store = new MemoryQrLoginStore();
    const code = record('a', 1_000);
    await store.create(code);
    vi.setSystemTime(START + 999);
    expect(await store.get('a')).toEqual(code);
    expect(await store.compareAndSet('a', 1, { ...code, version: 2, retainUntil: START + 1_000 })).toBe(true);
    vi.setSystemTime(START + 1_000);
    expect(await store.compareAndSet('a', 2, { ...code, version: 3, retainUntil: START + 5_000 })).toBe(false);
    expect(store.size).toBe(1);
    expect(await store.get('a')).toBeNull();
    expect(store.size).toBe(0);
    expect(store.timers).toBe(0);
    // Its timer was cleared with it: firing what is due changes no count.
    vi.advanceTimersByTime(10_000);
    expect(store.timers).toBe(0);
    expect(await store.get('missing')).toBeNull();
  });

  it('deletes a record by its timer exactly at retainUntil, and moves the timer with compareAndSet', async () => {
    const store = new MemoryQrLoginStore();
    const code = record('a', 1_000);
    await store.create(code);
    vi.advanceTimersByTime(999);
    expect(store.size).toBe(1);
    vi.advanceTimersByTime(1);
    expect(store.size).toBe(0);
    expect(store.timers).toBe(0);

    const later = record('b', 1_000);
    await store.create(later);
    expect(await store.compareAndSet('b', 1, { ...later, version: 2, retainUntil: START + 3_000 + 1_000 })).toBe(true);
    expect(await store.compareAndSet('b', 1, { ...later, version: 3 })).toBe(false);
    expect(await store.compareAndSet('missing', 1, { ...later, id: 'missing' })).toBe(false);
    vi.advanceTimersByTime(1_000);
    expect(store.size).toBe(1);
    expect(store.timers).toBe(1);
    expect((await store.get('b'))!.version).toBe(2);
    vi.advanceTimersByTime(3_000);
    expect(store.size).toBe(0);
    expect(store.timers).toBe(0);
  });

  it('keeps a record whose retainUntil lies past the longest timer Node can arm', async () => {
    const store = new MemoryQrLoginStore();
    await store.create(record('far', 30 * 24 * 3_600_000));
    vi.advanceTimersByTime(1_000);
    expect(store.size).toBe(1);
    expect(store.timers).toBe(1);
    await store.close();
  });

  it('arms timers and the sweeper so that they never keep the process alive', async () => {
    vi.useRealTimers();
    const store = new MemoryQrLoginStore();
    await store.create(record('a', 60_000));
    await store.rememberOnce('fact', 60_000);
    expect(internals(store).entries.get('a')!.timer.hasRef()).toBe(false);
    expect(internals(store).sweeper!.hasRef()).toBe(false);
    await store.close();
    expect(internals(store).sweeper).toBeUndefined();
  });

  it('rememberOnce holds a key for exactly its ttl', async () => {
    const store = new MemoryQrLoginStore();
    expect(await store.rememberOnce('k', 1_000)).toBe(true);
    vi.setSystemTime(START + 999);
    expect(await store.rememberOnce('k', 1_000)).toBe(false);
    expect(await store.rememberOnce('other', 1_000)).toBe(true);
    vi.setSystemTime(START + 1_000);
    expect(await store.rememberOnce('k', 1_000)).toBe(true);
    vi.setSystemTime(START + 1_999);
    expect(await store.rememberOnce('k', 1_000)).toBe(false);
    await store.close();
  });

  it('setAlias refuses to re-point a live alias until the millisecond it expires; resolveAlias reads it until then', async () => {
    const store = new MemoryQrLoginStore();
    expect(await store.setAlias('A', 'one', START + 1_000)).toBe(true);
    vi.setSystemTime(START + 999);
    expect(await store.setAlias('A', 'two', START + 5_000)).toBe(false);
    expect(await store.resolveAlias('A')).toBe('one');
    expect(store.keptKeys).toBe(1);
    vi.setSystemTime(START + 1_000);
    expect(await store.resolveAlias('A')).toBeNull();
    // Read as expired, it is dropped at once.
    expect(store.keptKeys).toBe(0);
    expect(await store.resolveAlias('never-set')).toBeNull();

    expect(await store.setAlias('B', 'one', START + 2_000)).toBe(true);
    vi.setSystemTime(START + 2_000);
    expect(await store.setAlias('B', 'two', START + 5_000)).toBe(true);
    expect(await store.resolveAlias('B')).toBe('two');
    await store.close();
  });

  it('createWithAlias writes the record and its alias, or neither while the alias is live', async () => {
    const store = new MemoryQrLoginStore();
    expect(await store.createWithAlias(record('a', 60_000), { key: 'K', expiresAt: START + 1_000 })).toBe(true);
    expect(await store.resolveAlias('K')).toBe('a');
    expect((await store.get('a'))!.id).toBe('a');
    vi.setSystemTime(START + 999);
    expect(await store.createWithAlias(record('b', 60_000), { key: 'K', expiresAt: START + 5_000 })).toBe(false);
    expect(await store.get('b')).toBeNull();
    expect(store.size).toBe(1);
    vi.setSystemTime(START + 1_000);
    expect(await store.createWithAlias(record('b', 60_000), { key: 'K', expiresAt: START + 5_000 })).toBe(true);
    expect(await store.resolveAlias('K')).toBe('b');
    // The alias is swept like setAlias's.
    vi.setSystemTime(START + 5_000);
    vi.advanceTimersByTime(10_000);
    expect(store.keptKeys).toBe(0);
    await store.close();
  });

  it('sweeps expired facts and aliases every 10 s on one timer, which stops once nothing is left', async () => {
    const store = new MemoryQrLoginStore();
    await store.rememberOnce('short', 5_000);
    await store.rememberOnce('long', 25_000);
    await store.setAlias('S', 'x', START + 5_000);
    await store.setAlias('L', 'y', START + 15_000);
    expect(vi.getTimerCount()).toBe(1);
    expect(store.keptKeys).toBe(4);
    vi.advanceTimersByTime(9_999);
    expect(store.keptKeys).toBe(4);
    vi.advanceTimersByTime(1);
    expect(store.keptKeys).toBe(2);
    vi.advanceTimersByTime(10_000);
    expect(store.keptKeys).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(store.keptKeys).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(internals(store).sweeper).toBeUndefined();
    // A new fact starts it again.
    await store.rememberOnce('again', 1_000);
    await store.setAlias('AGAIN', 'z', START + 99_000);
    expect(vi.getTimerCount()).toBe(1);
    await store.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(store.keptKeys).toBe(0);
    expect(await store.resolveAlias('AGAIN')).toBeNull();
    expect(await store.rememberOnce('again', 1_000)).toBe(true);
    await store.close();
  });

  it('sweeps an alias kept alone from the millisecond it expires', async () => {
    const store = new MemoryQrLoginStore();
    await store.setAlias('S', 'x', START + 10_000);
    vi.advanceTimersByTime(10_000);
    expect(store.keptKeys).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sweeps a fact from the millisecond it expires, and goes on sweeping aliases once the facts are gone', async () => {
    const store = new MemoryQrLoginStore();
    await store.rememberOnce('edge', 10_000);
    await store.setAlias('L', 'y', START + 15_000);
    vi.advanceTimersByTime(10_000);
    expect(store.keptKeys).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(store.keptKeys).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps copies of what it is given and hands out copies of what it holds', async () => {
    const store = new MemoryQrLoginStore();
    const given = [record('a', 60_000), record('b', 60_000), record('c', 60_000), record('d', 60_000)];
    await store.create(given[0]);
    await store.createWithAlias(given[1], { key: 'B', expiresAt: START + 60_000 });
    await store.create(given[2]);
    await store.createWithAlias(given[3], { key: 'D', expiresAt: START + 60_000 });
    const next = { ...record('a', 60_000), version: 2 };
    await store.compareAndSet('a', 1, next);
    const watched: QrCodeRecord[] = [];
    const watching = store.watch('b').subscribe((r) => watched.push(r));
    const nextOfB = { ...record('b', 60_000), version: 2 };
    await store.compareAndSet('b', 1, nextOfB);
    for (const mutable of [...given, next, nextOfB, ...watched]) mutable.status = 'CANCELLED';
    (await store.get('a'))!.status = 'AUTHORIZED';
    expect((await store.get('a'))!.status).toBe('PENDING');
    expect((await store.get('b'))!.status).toBe('PENDING');
    expect((await store.get('c'))!.status).toBe('PENDING');
    expect((await store.get('d'))!.status).toBe('PENDING');
    watching.unsubscribe();
    await store.close();
  });

  it('tells every watcher of an id, and only of that id, of each write', async () => {
    const store = new MemoryQrLoginStore();
    const seen: string[] = [];
    const first = store.watch('a').subscribe((r) => seen.push(`first ${r.version}`));
    const second = store.watch('a').subscribe((r) => seen.push(`second ${r.version}`));
    const other = store.watch('b').subscribe((r) => seen.push(`other ${r.version}`));
    expect(store.watchedIds).toBe(2);
    const code = record('a', 60_000);
    await store.create(code);
    first.unsubscribe();
    // One watcher left: the id keeps its set.
    expect(store.watchedIds).toBe(2);
    await store.compareAndSet('a', 1, { ...code, version: 2 });
    expect(seen).toEqual(['first 1', 'second 1', 'second 2']);
    second.unsubscribe();
    other.unsubscribe();
    expect(store.watchedIds).toBe(0);
  });

  it('leaves the watchers that came after close() in place when one from before it leaves', async () => {
    const store = new MemoryQrLoginStore();
    const before = store.watch('a').subscribe();
    await store.close();
    expect(store.watchedIds).toBe(0);
    const seen: number[] = [];
    const after = store.watch('a').subscribe((r) => seen.push(r.version));
    before.unsubscribe();
    expect(store.watchedIds).toBe(1);
    await store.create(record('a', 60_000));
    expect(seen).toEqual([1]);
    after.unsubscribe();
    expect(store.watchedIds).toBe(0);
  });
});
