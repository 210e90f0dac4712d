import type { Cluster, Redis } from 'ioredis';
import { QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import { whenReady } from './redis-connection';
import type {
  QrLoginRateLimitResult,
  QrLoginRateLimiter,
} from '../../kernel/interfaces/qr-login-rate-limiter.interface';

/** How long a hit waits for the connection to come up before answering 503 (ms). */
const READY_TIMEOUT_MS = 1_500;

/** Options of `RedisQrLoginRateLimiter`. */
export interface RedisQrLoginRateLimiterOptions {
  /**
   * A ready ioredis client, e.g. `redisStore.client` to share the store's
   * connection. The limiter never disconnects it.
   */
  client: Redis | Cluster;
  /** First part of every counter key; keep it apart from other apps on the same Redis. Default `'qr-login:rate'`. */
  keyPrefix?: string;
}

// One atomic step: count the hit, start the window on the first one, report both.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end
return { count, ttl }
`;

/**
 * Fixed-window counters in Redis, shared by every instance, so a limit holds
 * for the whole deployment rather than per process. Counters expire with
 * their window: nothing accumulates.
 */
export class RedisQrLoginRateLimiter implements QrLoginRateLimiter {
  private readonly client: Redis | Cluster;
  private readonly prefix: string;

  constructor(options: RedisQrLoginRateLimiterOptions) {
    if (!options?.client || typeof (options.client as Redis).eval !== 'function') {
      throw new Error(
        'RedisQrLoginRateLimiter needs a ready ioredis client as "client", e.g. new RedisQrLoginRateLimiter({ client: redisStore.client }).',
      );
    }
    this.client = options.client;
    this.prefix = options.keyPrefix ?? 'qr-login:rate';
  }

  async hit(key: string, limit: number, windowMs: number): Promise<QrLoginRateLimitResult> {
    let reply: [number, number];
    try {
      // A client made with the store's fail-fast settings refuses commands until it is connected: wait for it, briefly.
      await whenReady(this.client, Date.now() + READY_TIMEOUT_MS);
      // The hash tag keeps each counter on one Cluster slot.
      reply = (await this.client.eval(HIT_SCRIPT, 1, `${this.prefix}:{${key}}`, String(windowMs))) as [number, number];
    } catch (error) {
      if (error instanceof QrLoginStoreUnavailableError) throw error;
      throw new QrLoginStoreUnavailableError(`The rate limiter could not reach Redis: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const [count, ttl] = reply;
    return { allowed: count <= limit, count, resetInMs: Math.max(0, ttl) };
  }
}
