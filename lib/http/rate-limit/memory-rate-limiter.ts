import type {
  QrLoginRateLimitResult,
  QrLoginRateLimiter,
} from '../../kernel/interfaces/qr-login-rate-limiter.interface';

/**
 * Fixed-window counters in a Map, for one process. Windows that ended are
 * swept once a second, so keys of clients that left do not accumulate.
 */
export class MemoryQrLoginRateLimiter implements QrLoginRateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private sweeper?: NodeJS.Timeout;

  /** @param clock where windows read the time (ms since the epoch); tests pass a manual clock. Default: `Date.now`. */
  constructor(private readonly clock: { now(): number } = { now: () => Date.now() }) {}

  /** Number of keys with a live window. For diagnostics and tests. */
  get size(): number {
    return this.windows.size;
  }

  async hit(key: string, limit: number, windowMs: number): Promise<QrLoginRateLimitResult> {
    const now = this.clock.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, window);
      this.ensureSweeper();
    }
    window.count++;
    return { allowed: window.count <= limit, count: window.count, resetInMs: window.resetAt - now };
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.windows.clear();
  }

  private ensureSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      const now = this.clock.now();
      for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
      if (this.windows.size === 0) {
        clearInterval(this.sweeper);
        this.sweeper = undefined;
      }
    }, 1_000);
    this.sweeper.unref();
  }
}
