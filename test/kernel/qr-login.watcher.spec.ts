import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { QrCodeRepository } from '../../lib/kernel/qr-code.repository';
import { QrLoginStoreUnavailableError } from '../../lib/kernel/qr-login.errors';
import { hashSecret } from '../../lib/kernel/qr-login.ids';
import { QrLoginWatcher, type QrLoginRotation } from '../../lib/kernel/qr-login.watcher';
import type { QrLoginTimer } from '../../lib/kernel/qr-login.clock';
import type { QrCodeRecord } from '../../lib/kernel/interfaces/qr-code.interface';
import type { QrLoginInstrumentation } from '../../lib/kernel/interfaces/qr-login-instrumentation.port';
import type { QrCodeStatusView } from '../../lib/kernel/interfaces/qr-login-views.interface';
import { MemoryQrLoginStore } from '../../lib/stores/memory-qr-login.store';
import { newRecord, successor } from '../../lib/testing';
import { ManualClock } from '../support/manual-clock';
import { closedAfterEach } from '../support/closed-after-each';

/*
 * The status stream of one code, on the memory store and a manual clock: what
 * it emits first, how it follows changes and rotations, when it ends by
 * itself, and what a store failure becomes.
 */

const SECRET = 'creator-secret';
const CREATOR = { creatorSecrets: [SECRET] };

/** Resolves once the microtasks the watcher queued (store reads) have run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A pending native code of the creator's, made now with a minute to live. */
function creatorRecord(clock: ManualClock, overrides: Partial<QrCodeRecord>): QrCodeRecord {
  return newRecord({
    createdAt: clock.now(),
    expiresAt: clock.now() + 60_000,
    creatorSecretHash: hashSecret(SECRET),
    binding: { reveal: 'creator', redeem: 'creator', via: 'native' },
    ...overrides,
  });
}

interface Watched {
  views: QrCodeStatusView[];
  completed: boolean;
  errors: unknown[];
  stop(): void;
}

describe('QrLoginWatcher', () => {
  const keep = closedAfterEach<MemoryQrLoginStore>();

  function setUp(rotation: Partial<QrLoginRotation> = {}) {
    const store = keep(new MemoryQrLoginStore());
    const clock = new ManualClock();
    const repository = new QrCodeRepository(store, clock);
    const rotations: string[] = [];
    const watcher = new QrLoginWatcher(repository, (id) => store.watch(id), clock, {
      rotate: async (id) => void rotations.push(id),
      render: async (id) => ({ url: `data:image/svg+xml,${id}`, payload: `https://example.test/p?c=${id}` }),
      ...rotation,
    });
    const record = (overrides: Partial<QrCodeRecord> = {}) => creatorRecord(clock, overrides);
    const follow = (id: string, proof = CREATOR as { creatorSecrets: string[] } | undefined): Watched => {
      const watched: Watched = { views: [], completed: false, errors: [], stop: () => undefined };
      const subscription = watcher.watch(id, proof).subscribe({
        next: (view) => watched.views.push(view),
        error: (error) => watched.errors.push(error),
        complete: () => (watched.completed = true),
      });
      watched.stop = () => subscription.unsubscribe();
      return watched;
    };
    return { store, clock, watcher, record, follow, rotations };
  }

  it('emits the current status first, then each change, and completes after a terminal status', async () => {
    const { store, record, follow, watcher } = setUp();
    const pending = record();
    await store.create(pending);
    const watched = follow(pending.id);
    await settle();
    expect(watched.views.map((view) => view.status)).toEqual(['PENDING']);
    expect(watcher.activeCount).toBe(1);

    const scanned = successor(pending, { status: 'SCANNED' });
    expect(await store.compareAndSet(pending.id, 1, scanned)).toBe(true);
    const cancelled = successor(scanned, { status: 'CANCELLED' });
    expect(await store.compareAndSet(pending.id, 2, cancelled)).toBe(true);
    await settle();
    expect(watched.views.map((view) => view.status)).toEqual(['PENDING', 'SCANNED', 'CANCELLED']);
    expect(watched.completed).toBe(true);
    expect(watcher.activeCount).toBe(0);
  });

  it('drops a change it has seen (same or older version), so a read and the feed never double an event', async () => {
    const { store, record, clock } = setUp();
    const pending = record();
    await store.create(pending);
    const scanned = successor(pending, { status: 'SCANNED' });
    // A feed that delivers version 2, then replays versions 1 and 2, as a change feed may around the first read.
    const replaying = new QrLoginWatcher(
      new QrCodeRepository(store, clock),
      () =>
        new Observable<QrCodeRecord>((subscriber) => [scanned, pending, scanned].forEach((r) => subscriber.next(r))),
      clock,
      { rotate: async () => undefined, render: async () => ({ url: '', payload: '' }) },
    );
    const views: string[] = [];
    const subscription = replaying.watch(pending.id, CREATOR).subscribe((view) => views.push(view.status));
    await settle();
    expect(views).toEqual(['SCANNED']);
    subscription.unsubscribe();
  });

  it('announces EXPIRED when the lifetime passes with nothing else happening, and ends', async () => {
    const { store, clock, record, follow, watcher } = setUp();
    const pending = record({ expiresAt: clock.now() + 1_000 });
    await store.create(pending);
    const watched = follow(pending.id);
    await settle();
    clock.advance(999);
    await settle();
    expect(watched.views.map((view) => view.status)).toEqual(['PENDING']);
    clock.advance(10);
    await settle();
    expect(watched.views.map((view) => view.status)).toEqual(['PENDING', 'EXPIRED']);
    expect(watched.completed).toBe(true);
    expect(watcher.activeCount).toBe(0);
  });

  it('answers EXPIRED for a code the store does not hold', async () => {
    const { follow } = setUp();
    const watched = follow('Q'.repeat(27));
    await settle();
    expect(watched.views).toEqual([{ qrcodeId: 'Q'.repeat(27), status: 'EXPIRED' }]);
    expect(watched.completed).toBe(true);
  });

  it('turns a store that cannot serve into one ERROR status with the stable code', async () => {
    const { store, record, follow } = setUp();
    const pending = record();
    await store.create(pending);
    store.get = async () => {
      throw new QrLoginStoreUnavailableError('down for the test');
    };
    const watched = follow(pending.id);
    await settle();
    expect(watched.views).toHaveLength(1);
    expect(watched.views[0]).toMatchObject({ status: 'ERROR', code: 'QR_STORE_UNAVAILABLE' });
    expect(watched.completed).toBe(true);
    expect(watched.errors).toEqual([]);
  });

  it("rotates the creator's unscanned code on schedule and follows it; a stranger's stream ends EXPIRED", async () => {
    const { store, clock, record, follow, rotations } = setUp({ everyMs: 2_000 });
    const first = record();
    await store.create(first);
    const creator = follow(first.id);
    const stranger = follow(first.id, { creatorSecrets: ['someone-else'] });
    await settle();
    clock.advance(2_000);
    await settle();
    // Only the creator's stream asked for a rotation.
    expect(rotations).toEqual([first.id]);

    const next = record();
    await store.create(next);
    expect(await store.compareAndSet(first.id, 1, successor(first, { replacedBy: next.id }))).toBe(true);
    await settle();
    await settle();
    expect(creator.views.map((view) => view.status)).toEqual(['PENDING', 'PENDING']);
    expect(creator.views[1]).toMatchObject({
      qrcodeId: next.id,
      rotatedFrom: first.id,
      payload: `https://example.test/p?c=${next.id}`,
    });
    expect(creator.completed).toBe(false);
    expect(stranger.views.map((view) => view.status)).toEqual(['PENDING', 'EXPIRED']);
    expect(stranger.completed).toBe(true);
    creator.stop();
  });

  it('schedules a rotation only with everyMs, and only for a pending code of the mobile app', async () => {
    const cases: Array<[number | undefined, Partial<QrCodeRecord>]> = [
      [undefined, {}],
      [2_000, { type: 'WECHAT_MINIPROGRAM' }],
      [2_000, { status: 'SCANNED' }],
    ];
    for (const [everyMs, overrides] of cases) {
      const { store, clock, record, follow, rotations } = setUp({ everyMs });
      const code = record(overrides);
      await store.create(code);
      const watched = follow(code.id);
      await settle();
      const label = JSON.stringify({ everyMs, ...overrides });
      // The expiry check alone.
      expect(clock.pendingTimers, label).toBe(1);
      clock.advance(10_000);
      await settle();
      expect(rotations, label).toEqual([]);
      watched.stop();
    }
  });

  it('keeps one expiry check per stream however many changes arrive', async () => {
    const { store, clock, record, follow } = setUp();
    const pending = record();
    await store.create(pending);
    const watched = follow(pending.id);
    await settle();
    const scanned = successor(pending, { status: 'SCANNED' });
    expect(await store.compareAndSet(pending.id, 1, scanned)).toBe(true);
    expect(await store.compareAndSet(pending.id, 2, successor(scanned, { customData: { n: 3 } }))).toBe(true);
    await settle();
    expect(watched.views.map((view) => view.status)).toEqual(['PENDING', 'SCANNED', 'SCANNED']);
    expect(clock.pendingTimers).toBe(1);
    watched.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('forgets the stream when its subscriber leaves: no timer left behind', async () => {
    const { store, clock, record, follow, watcher } = setUp({ everyMs: 2_000 });
    const pending = record();
    await store.create(pending);
    const watched = follow(pending.id);
    await settle();
    expect(clock.pendingTimers).toBe(2);
    watched.stop();
    expect(clock.pendingTimers).toBe(0);
    expect(watcher.activeCount).toBe(0);
  });
});

/** A manual clock that records every timer cleared. */
class ClearingClock extends ManualClock {
  readonly cleared: QrLoginTimer[] = [];

  override clearTimeout(timer: QrLoginTimer): void {
    this.cleared.push(timer);
    super.clearTimeout(timer);
  }
}

describe('QrLoginWatcher: edges', () => {
  const keep = closedAfterEach<MemoryQrLoginStore>();

  function setUp(everyMs?: number) {
    const store = keep(new MemoryQrLoginStore());
    const clock = new ClearingClock();
    const ends: [string | undefined, string | undefined][] = [];
    const instrumentation = {
      openStream: () => (status?: string, code?: string) => void ends.push([status, code]),
    } as unknown as QrLoginInstrumentation;
    let release: () => void = () => undefined;
    const rendered = new Promise<void>((resolve) => (release = resolve));
    const watcher = new QrLoginWatcher(
      new QrCodeRepository(store, clock),
      (id) => store.watch(id),
      clock,
      {
        everyMs,
        rotate: async () => undefined,
        // The successor's image is ready only when the test says so: changes meanwhile wait.
        render: async (id) => {
          await rendered;
          return { url: `data:,${id}`, payload: `p:${id}` };
        },
      },
      instrumentation,
    );
    const record = (overrides: Partial<QrCodeRecord> = {}) => creatorRecord(clock, overrides);
    const follow = (id: string) => {
      const watched = { views: [] as QrCodeStatusView[], completed: false, stop: () => undefined as void };
      const subscription = watcher.watch(id, CREATOR).subscribe({
        next: (view) => watched.views.push(view),
        complete: () => (watched.completed = true),
      });
      watched.stop = () => subscription.unsubscribe();
      return watched;
    };
    return { store, clock, ends, record, follow, release: () => release() };
  }

  it('measures each stream with the terminal status it ended on, or none when the reader left first', async () => {
    const { store, record, follow, ends } = setUp();
    const left = record();
    const cancelled = record();
    await store.create(left);
    await store.create(cancelled);
    const leaving = follow(left.id);
    const ending = follow(cancelled.id);
    await settle();
    leaving.stop();
    expect(await store.compareAndSet(cancelled.id, 1, successor(cancelled, { status: 'CANCELLED' }))).toBe(true);
    await settle();
    expect(ending.completed).toBe(true);
    expect(ends).toStrictEqual([
      [undefined, undefined],
      ['CANCELLED', undefined],
    ]);
  });

  it('arms no timer for a code that ended, and clears only the timers it set', async () => {
    const { store, clock, record, follow } = setUp();
    const pending = record();
    await store.create(pending);
    const watched = follow(pending.id);
    await settle();
    expect([clock.pendingTimers, clock.cleared.length]).toStrictEqual([1, 0]);
    expect(await store.compareAndSet(pending.id, 1, successor(pending, { status: 'CANCELLED' }))).toBe(true);
    await settle();
    expect(watched.completed).toBe(true);
    expect([clock.pendingTimers, clock.cleared.length]).toStrictEqual([0, 1]);
    expect(clock.cleared.includes(undefined)).toBe(false);

    const gone = follow('Q'.repeat(27));
    await settle();
    expect([gone.completed, clock.pendingTimers, clock.cleared.length]).toStrictEqual([true, 0, 1]);
  });

  it('announces EXPIRED when the expiry check finds the code gone', async () => {
    const { store, clock, record, follow } = setUp();
    const pending = record({ expiresAt: clock.now() + 1_000 });
    await store.create(pending);
    const watched = follow(pending.id);
    await settle();
    store.get = async () => null;
    clock.advance(1_005);
    await settle();
    expect(watched.views.map((view) => view.status)).toStrictEqual(['PENDING', 'EXPIRED']);
    expect(watched.completed).toBe(true);
  });

  it('says nothing at an expiry check that finds the code still open', async () => {
    const { store, clock, record, follow } = setUp();
    const pending = record({ expiresAt: clock.now() + 1_000 });
    await store.create(pending);
    const watched = follow(pending.id);
    await settle();
    // A later version lives longer than the first one the check was armed for.
    expect(await store.compareAndSet(pending.id, 1, successor(pending, { expiresAt: clock.now() + 60_000 }))).toBe(
      true,
    );
    await settle();
    clock.advance(1_005);
    await settle();
    expect(watched.views.map((view) => view.status)).toStrictEqual(['PENDING', 'PENDING']);
    expect(watched.completed).toBe(false);
    watched.stop();
  });

  it('holds the changes of the next code while moving to it, and drops a stale read of the old one that found nothing', async () => {
    const { store, record, follow, release } = setUp(2_000);
    const first = record();
    const next = record();
    await store.create(first);
    await store.create(next);
    const reads = store.get.bind(store);
    let staleRead: (found: null) => void = () => undefined;
    // The first read of the old code is slow: it answers only after the stream has moved on.
    store.get = (id) => (id === first.id ? new Promise((resolve) => (staleRead = resolve)) : reads(id));
    const watched = follow(first.id);
    expect(await store.compareAndSet(first.id, 1, successor(first, { replacedBy: next.id }))).toBe(true);
    await settle();
    expect(await store.compareAndSet(next.id, 1, successor(next, { status: 'SCANNED' }))).toBe(true);
    staleRead(null);
    await settle();
    expect(watched.views).toStrictEqual([]);
    release();
    await settle();
    expect(watched.views.map((view) => [view.qrcodeId, view.status, view.rotatedFrom])).toStrictEqual([
      [next.id, 'PENDING', first.id],
      [next.id, 'SCANNED', undefined],
    ]);
    expect(watched.completed).toBe(false);
    watched.stop();
  });
});
