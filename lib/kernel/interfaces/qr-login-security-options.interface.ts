import type { QrLoginRateLimiter } from './qr-login-rate-limiter.interface';

/** A limit: at most `limit` hits per `window` seconds for one key (an IP or a user). */
export interface QrLoginRateLimitRule {
  /** Hits allowed per window. */
  limit: number;
  /** Window length, in seconds. */
  window: number;
}

/**
 * Rate limits, counted by `limiter`. Per IP for the web side, per app user
 * for the phone side. Default limits are generous for people and tight for
 * scripts; set a rule to `false` to lift it.
 */
export interface QrLoginRateLimitOptions {
  /** Where hits are counted. Default: in memory (per process); use the Redis limiter with several instances. */
  limiter?: QrLoginRateLimiter;
  /** Code creation per IP. Default 30 per 60 s. */
  create?: QrLoginRateLimitRule | false;
  /** Status reads per IP. Default 600 per 60 s (ten tabs polling every second). */
  status?: QrLoginRateLimitRule | false;
  /** Event-stream openings per IP. Default 60 per 60 s. */
  events?: QrLoginRateLimitRule | false;
  /** Ticket redemptions per IP. Default 30 per 60 s. */
  redeem?: QrLoginRateLimitRule | false;
  /** Scan / confirm / cancel per app user. Default 60 per 60 s. */
  appAction?: QrLoginRateLimitRule | false;
}

/** Defences that are optional or tunable (see SECURITY.md for what each one stops). */
export interface QrLoginSecurityOptions {
  /**
   * Number matching: the page shows a short number, the phone must send the
   * same one to confirm; a wrong one cancels the code. `true` for 2 digits
   * picked among 3 choices. Default off: GenAuth's SDKs cannot send it.
   */
  numberMatching?: boolean | { digits?: number; choices?: number };
  /**
   * Replace a code nobody scanned every this many seconds (e.g. 30), on the
   * creator's open event stream, so a photo or relay of the QR goes stale
   * fast. The chain keeps the first code's expiry. Default off.
   */
  rotateEvery?: number;
  /** Rate limits; `false` turns them all off. Defaults as in `QrLoginRateLimitOptions`. */
  rateLimit?: QrLoginRateLimitOptions | false;
  /** Open event streams allowed per IP on one instance. Default 20. */
  maxStreamsPerIp?: number;
  /** Deepest nesting allowed in `customData` and `context`. Default 8. */
  maxCustomDataDepth?: number;
}
