import { type Observable, finalize, share } from 'rxjs';
import type { QrCodeRecord } from './interfaces/qr-code.interface';
import type { QrLoginStore } from './interfaces/qr-login-store.interface';

/**
 * One store change subscription per code, shared by every watch of that code
 * in this process (a creator's page and a stranger's, several tabs): a code
 * watched ten times costs the store one subscriber, not ten, and each change
 * is copied once. The subscription ends with its last watcher.
 *
 * Sharing keeps the store's feed guarantee: a watcher that joins an open feed
 * is connected at once, so a change committed after its own read still
 * reaches it. Records handed out are shared and must not be mutated (the
 * watcher only reads them).
 * @internal
 */
export class QrLoginFeeds {
  private readonly feeds = new Map<string, Observable<QrCodeRecord>>();

  constructor(private readonly store: QrLoginStore) {}

  /** Codes with an open feed right now. For diagnostics and tests. */
  get size(): number {
    return this.feeds.size;
  }

  of(id: string): Observable<QrCodeRecord> {
    let feed = this.feeds.get(id);
    if (!feed) {
      const created: Observable<QrCodeRecord> = this.store.watch(id).pipe(
        finalize(() => {
          if (this.feeds.get(id) === created) this.feeds.delete(id);
        }),
        share(),
      );
      this.feeds.set(id, (feed = created));
    }
    return feed;
  }
}
