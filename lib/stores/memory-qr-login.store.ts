import { Observable } from 'rxjs';
import type { QrCodeRecord } from '../kernel/interfaces/qr-code.interface';
import type { QrLoginStore } from '../kernel/interfaces/qr-login-store.interface';

interface Entry {
  record: QrCodeRecord;
  timer: NodeJS.Timeout;
}

// setTimeout keeps at most a 32-bit delay; longer ones fire at once.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The embedded default: codes in a Map, one timer per code that deletes it at
 * `retainUntil`. Correct for a single process only: use a shared store
 * (e.g. `RedisQrLoginStore`) when several instances serve the same users.
 *
 * Atomicity comes for free: every method runs to completion on the event loop
 * before another can look at the same record.
 */
export class MemoryQrLoginStore implements QrLoginStore {
  private readonly entries = new Map<string, Entry>();
  private readonly watchers = new Map<string, Set<(record: QrCodeRecord) => void>>();
  private armedTimers = 0;

  /** Number of records held (expired ones are already gone). For diagnostics and tests. */
  get size(): number {
    return this.entries.size;
  }

  /** Number of expiry timers armed right now (one per held record). For diagnostics and tests. */
  get timers(): number {
    return this.armedTimers;
  }

  /** Number of ids with at least one watcher. For diagnostics and tests. */
  get watchedIds(): number {
    return this.watchers.size;
  }

  async create(record: QrCodeRecord): Promise<void> {
    if (this.entries.has(record.id)) throw new Error(`A QR code with id ${record.id} exists already.`);
    this.put(structuredClone(record));
  }

  async get(id: string): Promise<QrCodeRecord | null> {
    const entry = this.entries.get(id);
    if (!entry) return null;
    if (entry.record.retainUntil <= Date.now()) {
      this.remove(id);
      return null;
    }
    return structuredClone(entry.record);
  }

  async compareAndSet(id: string, expectedVersion: number, next: QrCodeRecord): Promise<boolean> {
    const entry = this.entries.get(id);
    if (!entry || entry.record.version !== expectedVersion || entry.record.retainUntil <= Date.now()) return false;
    this.disarm(entry);
    this.put(structuredClone(next));
    return true;
  }

  watch(id: string): Observable<QrCodeRecord> {
    return new Observable<QrCodeRecord>((subscriber) => {
      const listener = (record: QrCodeRecord) => subscriber.next(structuredClone(record));
      let set = this.watchers.get(id);
      if (!set) this.watchers.set(id, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && this.watchers.get(id) === set) this.watchers.delete(id);
      };
    });
  }

  async close(): Promise<void> {
    for (const entry of this.entries.values()) this.disarm(entry);
    this.entries.clear();
    this.watchers.clear();
  }

  private put(record: QrCodeRecord): void {
    const delay = Math.min(Math.max(record.retainUntil - Date.now(), 0), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.armedTimers--;
      this.entries.delete(record.id);
    }, delay);
    this.armedTimers++;
    // A pending code must not keep the process alive on shutdown.
    timer.unref();
    this.entries.set(record.id, { record, timer });
    const listeners = this.watchers.get(record.id);
    if (listeners) for (const listener of [...listeners]) listener(record);
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.disarm(entry);
    this.entries.delete(id);
  }

  private disarm(entry: Entry): void {
    clearTimeout(entry.timer);
    this.armedTimers--;
  }
}
