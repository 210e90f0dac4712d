/** The verdict on one hit. */
export interface QrLoginRateLimitResult {
  /** Whether the hit is within the limit. */
  allowed: boolean;
  /** Hits counted in the current window, this one included. */
  count: number;
  /** Milliseconds until the window resets. */
  resetInMs: number;
}

/**
 * Counts hits per key in fixed windows. `hit` must count atomically: of many
 * concurrent hits on one key, exactly `limit` are allowed per window, on every
 * process that shares the limiter.
 */
export interface QrLoginRateLimiter {
  hit(key: string, limit: number, windowMs: number): Promise<QrLoginRateLimitResult>;
  /** Optional: releases timers and connections on shutdown. */
  close?(): Promise<void>;
}
