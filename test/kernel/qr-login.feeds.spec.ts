import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { QrLoginFeeds } from '../../lib/kernel/qr-login.feeds';
import type { QrCodeRecord } from '../../lib/kernel/interfaces/qr-code.interface';
import { MemoryQrLoginStore } from '../../lib/stores/memory-qr-login.store';
import { newRecord, successor } from '../../lib/testing';
import { closedAfterEach } from '../support/closed-after-each';

/** A memory store that counts the change subscriptions it is asked for and how many are open. */
class CountingStore extends MemoryQrLoginStore {
  opened = 0;
  open = 0;

  override watch(id: string): Observable<QrCodeRecord> {
    this.opened++;
    this.open++;
    const changes = super.watch(id);
    return new Observable<QrCodeRecord>((subscriber) => {
      const subscription = changes.subscribe(subscriber);
      return () => {
        this.open--;
        subscription.unsubscribe();
      };
    });
  }
}

describe('QrLoginFeeds', () => {
  const keep = closedAfterEach<MemoryQrLoginStore>();

  function setUp() {
    const store = keep(new CountingStore());
    return { store, feeds: new QrLoginFeeds(store) };
  }

  it('opens one store subscription per code for every watcher of it, and ends it with the last one', async () => {
    const { store, feeds } = setUp();
    const record = newRecord();
    await store.create(record);
    const seen: number[][] = [[], []];
    const first = feeds.of(record.id).subscribe((change) => seen[0].push(change.version));
    const second = feeds.of(record.id).subscribe((change) => seen[1].push(change.version));
    expect(feeds.of(record.id)).toBe(feeds.of(record.id));
    expect([store.opened, store.open, feeds.size]).toEqual([1, 1, 1]);

    expect(await store.compareAndSet(record.id, 1, successor(record, { status: 'SCANNED' }))).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([[2], [2]]);

    first.unsubscribe();
    expect([store.open, feeds.size]).toEqual([1, 1]);
    second.unsubscribe();
    expect([store.open, feeds.size]).toEqual([0, 0]);
    feeds.of(record.id).subscribe().unsubscribe();
    expect(store.opened).toBe(2);
  });

  it('keeps a newer feed of a code when an older one, still held by a watcher, ends again', () => {
    const { feeds } = setUp();
    const older = feeds.of('code-1');
    older.subscribe().unsubscribe();
    const newer = feeds.of('code-1');
    expect(newer).not.toBe(older);
    const open = newer.subscribe();
    // The older feed, subscribed once more through the reference a watcher kept, ends on its own.
    older.subscribe().unsubscribe();
    expect(feeds.of('code-1')).toBe(newer);
    expect(feeds.size).toBe(1);
    open.unsubscribe();
    expect(feeds.size).toBe(0);
  });
});
