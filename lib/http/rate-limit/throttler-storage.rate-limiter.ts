import type {
  QrLoginRateLimitResult,
  QrLoginRateLimiter,
} from '../../kernel/interfaces/qr-login-rate-limiter.interface';

/**
 * The part of `@nestjs/throttler`'s `ThrottlerStorage` this limiter calls:
 * any storage of `@nestjs/throttler` 5 or later fits (its in-memory
 * `ThrottlerStorageService`, `@nest-lab/throttler-storage-redis`, …). Written
 * out rather than imported, so apps without `@nestjs/throttler` never need its types.
 */
export interface QrLoginThrottlerStorage {
  /** `ttl` and `blockDuration` in milliseconds; the answer's times in seconds. */
  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<{ totalHits: number; timeToExpire: number; isBlocked: boolean; timeToBlockExpire: number }>;
}

/** Options of `ThrottlerStorageQrLoginRateLimiter`. */
export interface ThrottlerStorageQrLoginRateLimiterOptions {
  /** Throttler name the hits are counted under, apart from the app's own throttlers. Default `'qr-login'`. */
  throttlerName?: string;
  /** Prefix of every key, so the module's counters never meet the app's. Default `'qr-login:'`. */
  keyPrefix?: string;
}

/**
 * Counts the module's rate limits in the app's existing `@nestjs/throttler`
 * storage, so an app that already runs the throttler on Redis needs no second
 * counter: `rateLimit: { limiter: new ThrottlerStorageQrLoginRateLimiter(storage) }`,
 * with the storage the app gives `ThrottlerModule` (inject it with
 * `@InjectThrottlerStorage()` in a `forRootAsync` factory). A key over its
 * limit stays refused for the rest of its window, as the throttler's own guard does.
 */
export class ThrottlerStorageQrLoginRateLimiter implements QrLoginRateLimiter {
  private readonly throttlerName: string;
  private readonly keyPrefix: string;

  constructor(
    private readonly storage: QrLoginThrottlerStorage,
    options: ThrottlerStorageQrLoginRateLimiterOptions = {},
  ) {
    if (typeof storage?.increment !== 'function') {
      throw new TypeError(
        'ThrottlerStorageQrLoginRateLimiter needs a ThrottlerStorage (an object with increment()), such as the one given to ThrottlerModule.forRoot({ storage }).',
      );
    }
    this.throttlerName = options.throttlerName ?? 'qr-login';
    this.keyPrefix = options.keyPrefix ?? 'qr-login:';
  }

  async hit(key: string, limit: number, windowMs: number): Promise<QrLoginRateLimitResult> {
    // Blocked for one window once over the limit: the throttler guard's default.
    const record = await this.storage.increment(this.keyPrefix + key, windowMs, limit, windowMs, this.throttlerName);
    const allowed = !record.isBlocked && record.totalHits <= limit;
    const resetInSeconds = record.isBlocked ? record.timeToBlockExpire : record.timeToExpire;
    return { allowed, count: record.totalHits, resetInMs: Math.max(0, resetInSeconds) * 1000 };
  }
}
