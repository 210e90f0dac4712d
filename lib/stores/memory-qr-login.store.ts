import { Observable } from 'rxjs';
import type { QrCodeRecord } from '../kernel/interfaces/qr-code.interface';
import type { QrLoginStore, QrLoginStoreAlias } from '../kernel/interfaces/qr-login-store.interface';
import { QrLoginConfigError, QrLoginStoreFullError } from '../kernel/qr-login.errors';

/** Options of `MemoryQrLoginStore`. */
export interface MemoryQrLoginStoreOptions {
  /**
   * Most codes held at once (live, or ended and kept briefly for late
   * readers). At the cap, creating a code fails with 503 `QR_STORE_FULL` and
   * `Retry-After`, and existing codes are untouched: a flood of creates from
   * many addresses cannot exhaust the process. A code costs about 1–2 KB.
   * Default 100 000.
   */
  maxCodes?: number;
}

const DEFAULT_MAX_CODES = 100_000;

interface Entry {
  record: QrCodeRecord;
  timer: NodeJS.Timeout;
}

// setTimeout keeps at most a 32-bit delay; longer ones fire at once.
const MAX_TIMER_MS = 2_147_483_647;

// How often expired one-time facts and aliases are swept, in ms. Reads check
// expiry themselves, so the sweep only bounds memory.
const SWEEP_EVERY_MS = 10_000;

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
  private readonly maxCodes: number;
  private readonly watchers = new Map<string, Set<(record: QrCodeRecord) => void>>();
  /** One-time facts and aliases with their expiry (ms since the epoch), swept together. */
  private readonly facts = new Map<string, number>();
  private readonly aliases = new Map<string, { id: string; expiresAt: number }>();
  private sweeper?: NodeJS.Timeout;
  private armedTimers = 0;

  constructor(options: MemoryQrLoginStoreOptions = {}) {
    const maxCodes = options.maxCodes ?? DEFAULT_MAX_CODES;
    if (!Number.isInteger(maxCodes) || maxCodes < 1) {
      throw new QrLoginConfigError(
        `MemoryQrLoginStore "maxCodes" must be a whole number of at least 1; got ${String(maxCodes)}.`,
      );
    }
    this.maxCodes = maxCodes;
  }

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
    this.refuseWhenFull();
    this.put(structuredClone(record));
  }

  /** `create` and `setAlias` as one step: every refusal is decided before anything is written. */
  async createWithAlias(record: QrCodeRecord, alias: QrLoginStoreAlias): Promise<boolean> {
    if (this.entries.has(record.id)) throw new Error(`A QR code with id ${record.id} exists already.`);
    this.refuseWhenFull();
    const current = this.aliases.get(alias.key);
    if (current && current.expiresAt > Date.now()) return false;
    this.put(structuredClone(record));
    this.aliases.set(alias.key, { id: record.id, expiresAt: alias.expiresAt });
    this.sweepLater();
    return true;
  }

  /** Throws `QrLoginStoreFullError` at `maxCodes`, before the kernel renders or aliases anything for a new code. */
  async checkRoom(): Promise<void> {
    this.refuseWhenFull();
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

  async rememberOnce(key: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const until = this.facts.get(key);
    if (until !== undefined && until > now) return false;
    this.facts.set(key, now + ttlMs);
    this.sweepLater();
    return true;
  }

  async setAlias(alias: string, id: string, expiresAt: number): Promise<boolean> {
    const current = this.aliases.get(alias);
    if (current && current.expiresAt > Date.now()) return false;
    this.aliases.set(alias, { id, expiresAt });
    this.sweepLater();
    return true;
  }

  async resolveAlias(alias: string): Promise<string | null> {
    const current = this.aliases.get(alias);
    if (!current) return null;
    if (current.expiresAt > Date.now()) return current.id;
    this.aliases.delete(alias);
    return null;
  }

  /** Number of one-time facts and aliases held (expired ones until the next sweep). For diagnostics and tests. */
  get keptKeys(): number {
    return this.facts.size + this.aliases.size;
  }

  async close(): Promise<void> {
    for (const entry of this.entries.values()) this.disarm(entry);
    this.entries.clear();
    this.watchers.clear();
    this.facts.clear();
    this.aliases.clear();
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Sweeps expired facts and aliases on one shared timer, which stops when nothing is left. */
  private sweepLater(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const [key, until] of this.facts) if (until <= now) this.facts.delete(key);
      for (const [alias, value] of this.aliases) if (value.expiresAt <= now) this.aliases.delete(alias);
      if (this.facts.size === 0 && this.aliases.size === 0) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    }, SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  private refuseWhenFull(): void {
    if (this.entries.size < this.maxCodes) return;
    // Codes share one lifetime, so the oldest held code is about the first to free its slot.
    const oldest = this.entries.values().next().value as Entry;
    throw new QrLoginStoreFullError(
      `The in-memory store holds ${this.maxCodes} codes, its maxCodes.`,
      Math.max(oldest.record.retainUntil - Date.now(), 1_000),
    );
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
