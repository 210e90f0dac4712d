import { QrLoginConfigError } from './qr-login.errors';
import { describeConfigValue, numericStringHint, refuseUnknownKeys } from './qr-login.option-checks';
import type { QrLoginRateLimitRule, QrLoginSecurityOptions } from './interfaces/qr-login-security-options.interface';
import type { QrLoginRateLimiter } from './interfaces/qr-login-rate-limiter.interface';

/** Buckets of the rate limits, one per kind of request. */
export type QrLoginRateBucket = 'create' | 'status' | 'events' | 'redeem' | 'appAction';

/** A rule in the units the limiter takes. */
export interface ResolvedRateRule {
  limit: number;
  windowMs: number;
}

/** The security options after validation, with defaults. */
export interface ResolvedSecurityConfig {
  numberMatching: false | { digits: number; choices: number };
  rotateEveryMs?: number;
  /** `limiter` absent: the module makes an in-memory one (and closes it). */
  rateLimit: false | { limiter?: QrLoginRateLimiter; rules: Partial<Record<QrLoginRateBucket, ResolvedRateRule>> };
  maxStreamsPerIp: number;
  maxCustomDataDepth: number;
}

const DEFAULT_RULES: Record<QrLoginRateBucket, QrLoginRateLimitRule> = {
  create: { limit: 30, window: 60 },
  status: { limit: 600, window: 60 },
  events: { limit: 60, window: 60 },
  redeem: { limit: 30, window: 60 },
  appAction: { limit: 60, window: 60 },
};

const RULE_KEYS = ['limit', 'window'];

function wholeNumber(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new QrLoginConfigError(
      `"${name}" must be a whole number from ${min} to ${max}; got ${describeConfigValue(value)}.${numericStringHint(value)}`,
    );
  }
  return value;
}

function resolveRule(
  bucket: QrLoginRateBucket,
  rule: QrLoginRateLimitRule | false | undefined,
): ResolvedRateRule | undefined {
  if (rule === false) return undefined;
  if (rule !== undefined && (rule === null || typeof rule !== 'object')) {
    throw new QrLoginConfigError(
      `"rateLimit.${bucket}" must be { limit, window } or false; got ${describeConfigValue(rule)}.`,
    );
  }
  if (rule) refuseUnknownKeys(`rateLimit.${bucket}`, rule, RULE_KEYS);
  const { limit, window } = rule ?? DEFAULT_RULES[bucket];
  wholeNumber(`rateLimit.${bucket}.limit`, limit, 1, 1_000_000_000);
  if (typeof window !== 'number' || !(window > 0) || window > 86_400) {
    throw new QrLoginConfigError(
      `"rateLimit.${bucket}.window" must be a number of seconds above 0 and at most 86400; got ${describeConfigValue(window)}.${numericStringHint(window)}`,
    );
  }
  return { limit, windowMs: Math.round(window * 1000) };
}

/** Validates the security options; runs at start-up with the rest of the configuration. @internal */
export function resolveSecurityConfig(options: QrLoginSecurityOptions, qrCodeTtlMs: number): ResolvedSecurityConfig {
  let numberMatching: ResolvedSecurityConfig['numberMatching'] = false;
  if (options.numberMatching) {
    const given = options.numberMatching === true ? {} : options.numberMatching;
    if (typeof given !== 'object') {
      throw new QrLoginConfigError(
        `"numberMatching" must be true, false or { digits, choices }; got ${describeConfigValue(given)}.`,
      );
    }
    refuseUnknownKeys('numberMatching', given, ['digits', 'choices']);
    // At most 9 choices of at least 1 digit: there are always enough distinct numbers to offer.
    numberMatching = {
      digits: wholeNumber('numberMatching.digits', given.digits ?? 2, 1, 6),
      choices: wholeNumber('numberMatching.choices', given.choices ?? 3, 1, 9),
    };
  }
  let rotateEveryMs: number | undefined;
  if (options.rotateEvery !== undefined) {
    if (
      typeof options.rotateEvery !== 'number' ||
      !(options.rotateEvery > 0) ||
      options.rotateEvery * 1000 >= qrCodeTtlMs
    ) {
      throw new QrLoginConfigError(
        `"rotateEvery" must be a number of seconds above 0 and below qrCodeTtl (${qrCodeTtlMs / 1000}); got ${describeConfigValue(options.rotateEvery)}.${numericStringHint(options.rotateEvery)}`,
      );
    }
    rotateEveryMs = Math.round(options.rotateEvery * 1000);
  }
  let rateLimit: ResolvedSecurityConfig['rateLimit'] = false;
  if (options.rateLimit !== false) {
    const given = options.rateLimit ?? {};
    if (typeof given !== 'object') {
      throw new QrLoginConfigError(
        `"rateLimit" must be an object such as { create: { limit: 30, window: 60 } } or false; got ${describeConfigValue(given)}.`,
      );
    }
    refuseUnknownKeys('rateLimit', given, ['limiter', ...Object.keys(DEFAULT_RULES)]);
    if (given.limiter !== undefined && typeof given.limiter?.hit !== 'function') {
      throw new QrLoginConfigError(
        '"rateLimit.limiter" must implement QrLoginRateLimiter (a hit(key, limit, windowMs) method).',
      );
    }
    const rules: Partial<Record<QrLoginRateBucket, ResolvedRateRule>> = {};
    for (const bucket of Object.keys(DEFAULT_RULES) as QrLoginRateBucket[]) {
      const rule = resolveRule(bucket, given[bucket]);
      if (rule) rules[bucket] = rule;
    }
    rateLimit = { ...(given.limiter ? { limiter: given.limiter } : {}), rules };
  }
  return {
    numberMatching,
    rotateEveryMs,
    rateLimit,
    maxStreamsPerIp: wholeNumber('maxStreamsPerIp', options.maxStreamsPerIp ?? 20, 1, 1_000_000),
    maxCustomDataDepth: wholeNumber('maxCustomDataDepth', options.maxCustomDataDepth ?? 8, 1, 64),
  };
}
