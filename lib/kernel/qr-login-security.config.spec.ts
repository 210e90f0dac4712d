import { describe, expect, it } from 'vitest';
import { QrLoginConfigError } from './qr-login.errors';
import { resolveSecurityConfig } from './qr-login-security.config';
import type { QrLoginSecurityOptions } from './interfaces/qr-login-security-options.interface';

/* Each numeric security option exactly at and one step past its bounds, and the defaults. */

const TTL_MS = 60_000;

/** 'ok', or the configuration error's message. */
function verdict(options: Record<string, unknown>): string {
  try {
    resolveSecurityConfig(options as QrLoginSecurityOptions, TTL_MS);
    return 'ok';
  } catch (error) {
    if (!(error instanceof QrLoginConfigError)) throw error;
    return error.message;
  }
}

describe('resolveSecurityConfig', () => {
  it('defaults: no number matching or rotation, 20 streams per IP, 8 levels, and the rate limits per bucket', () => {
    expect(resolveSecurityConfig({}, TTL_MS)).toEqual({
      numberMatching: false,
      rotateEveryMs: undefined,
      rateLimit: {
        rules: {
          create: { limit: 30, windowMs: 60_000 },
          status: { limit: 600, windowMs: 60_000 },
          events: { limit: 60, windowMs: 60_000 },
          redeem: { limit: 30, windowMs: 60_000 },
          appAction: { limit: 60, windowMs: 60_000 },
        },
      },
      maxStreamsPerIp: 20,
      maxCustomDataDepth: 8,
    });
    expect(resolveSecurityConfig({ numberMatching: true }, TTL_MS).numberMatching).toEqual({ digits: 2, choices: 3 });
  });

  it.each<[string, (value: number) => Record<string, unknown>, number, number, number]>([
    ['maxCustomDataDepth', (v) => ({ maxCustomDataDepth: v }), 1, 64, 1],
    ['maxStreamsPerIp', (v) => ({ maxStreamsPerIp: v }), 1, 1_000_000, 1],
    ['numberMatching.digits', (v) => ({ numberMatching: { digits: v } }), 1, 6, 1],
    ['numberMatching.choices', (v) => ({ numberMatching: { choices: v } }), 1, 9, 1],
    ['rateLimit.create.limit', (v) => ({ rateLimit: { create: { limit: v, window: 60 } } }), 1, 1_000_000_000, 1],
  ])('%s takes %i to %i, and refuses one step outside', (name, options, min, max, step) => {
    expect(verdict(options(min))).toBe('ok');
    expect(verdict(options(max))).toBe('ok');
    expect(verdict(options(min - step))).toContain(`"${name}" must be a whole number from ${min} to ${max}`);
    expect(verdict(options(max + step))).toContain(`"${name}" must be a whole number from ${min} to ${max}`);
    expect(verdict(options(min + 0.5))).toContain(`"${name}" must be a whole number`);
  });

  it('takes a rate window above 0 up to exactly 86400 s, in ms', () => {
    const window = (w: unknown) => ({ rateLimit: { status: { limit: 5, window: w } } });
    expect(resolveSecurityConfig(window(86_400) as QrLoginSecurityOptions, TTL_MS).rateLimit).toMatchObject({
      rules: { status: { limit: 5, windowMs: 86_400_000 } },
    });
    expect(resolveSecurityConfig(window(0.5) as QrLoginSecurityOptions, TTL_MS).rateLimit).toMatchObject({
      rules: { status: { windowMs: 500 } },
    });
    for (const bad of [0, -1, 86_400.5, '60', Number.NaN])
      expect(verdict(window(bad))).toContain('"rateLimit.status.window" must be a number of seconds above 0');
  });

  it('takes rotateEvery above 0 and below the code lifetime', () => {
    expect(resolveSecurityConfig({ rotateEvery: 59.999 }, TTL_MS).rotateEveryMs).toBe(59_999);
    expect(resolveSecurityConfig({ rotateEvery: 0.001 }, TTL_MS).rotateEveryMs).toBe(1);
    for (const bad of [60, 0, -5, Number.NaN])
      expect(verdict({ rotateEvery: bad })).toContain('"rotateEvery" must be a number of seconds above 0 and below');
  });

  it('turns a bucket off with false, and refuses anything else that is not a rule', () => {
    const config = resolveSecurityConfig({ rateLimit: { events: false } }, TTL_MS);
    expect(config.rateLimit && Object.keys(config.rateLimit.rules).sort()).toEqual([
      'appAction',
      'create',
      'redeem',
      'status',
    ]);
    expect(resolveSecurityConfig({ rateLimit: false }, TTL_MS).rateLimit).toBe(false);
    expect(verdict({ rateLimit: { create: 5 } })).toContain('"rateLimit.create" must be { limit, window } or false');
    expect(verdict({ rateLimit: { create: null } })).toContain('"rateLimit.create" must be { limit, window } or false');
    expect(verdict({ rateLimit: 'strict' })).toContain('"rateLimit" must be an object');
    expect(verdict({ rateLimit: { limiter: {} } })).toContain('"rateLimit.limiter" must implement QrLoginRateLimiter');
    expect(verdict({ numberMatching: 'yes' })).toContain('"numberMatching" must be true, false or { digits, choices }');
    expect(verdict({ rateLimit: { limiter: null } })).toContain(
      '"rateLimit.limiter" must implement QrLoginRateLimiter',
    );
  });

  it('takes rotateEvery as a number of seconds only, below the lifetime it names', () => {
    expect(resolveSecurityConfig({ rotateEvery: 59.5 }, TTL_MS).rotateEveryMs).toBe(59_500);
    for (const rotateEvery of ['30', 0, 60, Number.NaN]) {
      expect(verdict({ rotateEvery } as never), String(rotateEvery)).toContain(
        `"rotateEvery" must be a number of seconds above 0 and below qrCodeTtl (${TTL_MS / 1000}); got`,
      );
    }
  });

  it('keeps a limiter it is given', () => {
    const limiter = { hit: async () => ({ allowed: true, count: 1, resetInMs: 1 }) };
    const config = resolveSecurityConfig({ rateLimit: { limiter } }, TTL_MS);
    expect(config.rateLimit && config.rateLimit.limiter).toBe(limiter);
  });
});
