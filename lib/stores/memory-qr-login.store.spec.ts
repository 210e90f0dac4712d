import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { QrCodeRecord } from '../kernel/interfaces/qr-code.interface';
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('MemoryQrLoginStore', () => {
  it('holds no entry and no timer for codes once they expired', async () => {
    const store = new MemoryQrLoginStore();
    for (let i = 0; i < 500; i++) await store.create(record(`id-${i}`, 50 + (i % 50)));
    expect(store.size).toBe(500);
    expect(store.timers).toBe(500);
    // Changing a record re-arms its timer rather than adding one.
    const first = (await store.get('id-0'))!;
    expect(await store.compareAndSet('id-0', 1, { ...first, version: 2, status: 'SCANNED' })).toBe(true);
    expect(store.timers).toBe(500);
    await sleep(250);
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
