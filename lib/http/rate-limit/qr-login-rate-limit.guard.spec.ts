import type { ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveQrLoginConfig } from '../../kernel/qr-login.config';
import { QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import type { QrLoginKernelOptions } from '../../kernel/interfaces/qr-login-options.interface';
import type {
  QrLoginRateLimitResult,
  QrLoginRateLimiter,
} from '../../kernel/interfaces/qr-login-rate-limiter.interface';
import type { QrLoginRateBucket } from '../../kernel/qr-login-security.config';
import { QrLoginException } from '../qr-login.exception';
import { MemoryQrLoginRateLimiter } from './memory-rate-limiter';
import { QrLoginRateLimitGuard } from './qr-login-rate-limit.guard';

/*
 * The keys a limit counts by, and the answer over the limit: the guard with
 * the real option resolution, the in-memory limiter on a clock the test moves,
 * and Express' adapter setting Retry-After. Limits are 2 per 60 s here.
 */

const START = 1_900_000_000_000;

/** The in-memory limiter, recording each key it is asked to count. */
class RecordingLimiter implements QrLoginRateLimiter {
  readonly keys: string[] = [];
  readonly clock = { at: START, now: () => this.clock.at };
  readonly memory = new MemoryQrLoginRateLimiter(this.clock);
  hit(key: string, limit: number, windowMs: number): Promise<QrLoginRateLimitResult> {
    this.keys.push(key);
    return this.memory.hit(key, limit, windowMs);
  }
}

type Request = { ip?: string; socket?: { remoteAddress?: string }; user?: unknown };

const adapterHost = new HttpAdapterHost();
adapterHost.httpAdapter = new ExpressAdapter();

const TWO_A_MINUTE = { limit: 2, window: 60 };

function configWith(rateLimit: QrLoginKernelOptions['rateLimit']) {
  return resolveQrLoginConfig({ appAuth: { resolveUser: () => null }, rateLimit });
}

function guardOf(
  bucket: QrLoginRateBucket,
  limiter: QrLoginRateLimiter | undefined,
  config: ReturnType<typeof configWith> | null = configWith({ create: TWO_A_MINUTE, appAction: TWO_A_MINUTE }),
) {
  const Guard = QrLoginRateLimitGuard(bucket);
  // What Nest injects for an optional provider nobody gave: undefined.
  const guard = new Guard(config ?? undefined, limiter, adapterHost);
  /** What the guard does with `request`: true, or the refusal's status, code and Retry-After. */
  return async (request: Request) => {
    const headers: Record<string, string> = {};
    const response = { set: (name: string, value: string) => void (headers[name] = value) };
    const context = {
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => response, getNext: () => undefined }),
    } as unknown as ExecutionContext;
    try {
      return await guard.canActivate(context);
    } catch (error) {
      if (!(error instanceof QrLoginException)) throw error;
      return { status: error.getStatus(), code: error.code, retryAfter: headers['Retry-After'] };
    }
  };
}

const limited = (retryAfter: string) => ({ status: 429, code: 'QR_RATE_LIMITED', retryAfter });

describe('QrLoginRateLimitGuard', () => {
  const limiters: RecordingLimiter[] = [];
  function newLimiter(): RecordingLimiter {
    const limiter = new RecordingLimiter();
    limiters.push(limiter);
    return limiter;
  }
  afterEach(async () => {
    await Promise.all(limiters.splice(0).map((limiter) => limiter.memory.close()));
  });

  it('lets exactly the limit through per IPv4 address, then answers 429 with Retry-After in seconds', async () => {
    const limiter = newLimiter();
    const create = guardOf('create', limiter);
    const alice = { ip: '203.0.113.7' };
    expect(await create(alice)).toBe(true);
    expect(await create(alice)).toBe(true);
    expect(await create(alice)).toEqual(limited('60'));
    // Another address, even in the same /24, is another client.
    expect(await create({ ip: '203.0.113.8' })).toBe(true);
    expect(limiter.keys).toEqual([
      'create:ip:203.0.113.7',
      'create:ip:203.0.113.7',
      'create:ip:203.0.113.7',
      'create:ip:203.0.113.8',
    ]);
  });

  it('rounds Retry-After up to whole seconds, and lets the client in once the window ends', async () => {
    const limiter = newLimiter();
    const create = guardOf('create', limiter);
    const alice = { ip: '203.0.113.7' };
    await create(alice);
    await create(alice);
    limiter.clock.at = START + 58_999;
    expect(await create(alice)).toEqual(limited('2'));
    limiter.clock.at = START + 59_001;
    expect(await create(alice)).toEqual(limited('1'));
    limiter.clock.at = START + 60_000;
    expect(await create(alice)).toBe(true);
  });

  it('says Retry-After: 1 when the limiter reports no time left', async () => {
    const drained: QrLoginRateLimiter = { hit: async () => ({ allowed: false, count: 3, resetInMs: 0 }) };
    expect(await guardOf('create', drained)({ ip: '203.0.113.7' })).toEqual(limited('1'));
  });

  it('counts an IPv6 client per /64, and an IPv4-mapped address as the IPv4 one', async () => {
    const limiter = newLimiter();
    const create = guardOf('create', limiter);
    expect(await create({ ip: '2001:db8:1:2::a' })).toBe(true);
    expect(await create({ ip: '2001:db8:1:2:ffff::b' })).toBe(true);
    expect(await create({ ip: '2001:db8:1:2::c' })).toEqual(limited('60'));
    expect(await create({ ip: '2001:db8:1:3::a' })).toBe(true);
    await create({ ip: '::ffff:198.51.100.1' });
    await create({ ip: '198.51.100.1' });
    expect(limiter.keys.slice(3)).toEqual([
      'create:ip:2001:db8:1:3::/64',
      'create:ip:198.51.100.1',
      'create:ip:198.51.100.1',
    ]);
    expect(limiter.keys[0]).toBe('create:ip:2001:db8:1:2::/64');
  });

  it('falls back to the socket’s address, then counts requests with no address together', async () => {
    const limiter = newLimiter();
    const create = guardOf('create', limiter);
    await create({ socket: { remoteAddress: '192.0.2.9' } });
    await create({ ip: '192.0.2.10', socket: { remoteAddress: '192.0.2.9' } });
    await create({});
    await create({ socket: {} });
    expect(limiter.keys).toEqual([
      'create:ip:192.0.2.9',
      'create:ip:192.0.2.10',
      'create:ip:unknown',
      'create:ip:unknown',
    ]);
  });

  it('counts appAction per app user across addresses, and per address where no user is known', async () => {
    const limiter = newLimiter();
    const appAction = guardOf('appAction', limiter);
    expect(await appAction({ ip: '203.0.113.7', user: { id: 'alice' } })).toBe(true);
    expect(await appAction({ ip: '198.51.100.1', user: { id: 'alice' } })).toBe(true);
    expect(await appAction({ ip: '192.0.2.1', user: { id: 'alice' } })).toEqual(limited('60'));
    expect(await appAction({ ip: '203.0.113.7', user: { id: 'bob' } })).toBe(true);
    await appAction({ ip: '203.0.113.7', user: null });
    await appAction({ ip: '203.0.113.7' });
    expect(limiter.keys.slice(2)).toEqual([
      'appAction:user:alice',
      'appAction:user:bob',
      'appAction:ip:203.0.113.7',
      'appAction:ip:203.0.113.7',
    ]);
    expect(limiter.keys[0]).toBe('appAction:user:alice');
  });

  it('counts every other bucket per address even when a user is known, each bucket apart', async () => {
    const limiter = newLimiter();
    const config = configWith({ create: TWO_A_MINUTE, redeem: TWO_A_MINUTE });
    await guardOf('redeem', limiter, config)({ ip: '203.0.113.7', user: { id: 'alice' } });
    await guardOf('create', limiter, config)({ ip: '203.0.113.7', user: { id: 'alice' } });
    expect(limiter.keys).toEqual(['redeem:ip:203.0.113.7', 'create:ip:203.0.113.7']);
  });

  it('uses the getUserId option for the user’s key', async () => {
    const limiter = newLimiter();
    const config = resolveQrLoginConfig({
      appAuth: { resolveUser: () => null },
      rateLimit: { appAction: TWO_A_MINUTE },
      getUserId: (user: { login: string }) => `login-${user.login}`,
    });
    await guardOf('appAction', limiter, config)({ ip: '203.0.113.7', user: { login: 'alice' } });
    expect(limiter.keys).toEqual(['appAction:user:login-alice']);
  });

  it('counts nothing with limits off, for a bucket turned off, or outside the module', async () => {
    const limiter = newLimiter();
    const request = { ip: '203.0.113.7' };
    expect(await guardOf('create', limiter, configWith(false))(request)).toBe(true);
    expect(await guardOf('status', limiter, configWith({ status: false }))(request)).toBe(true);
    expect(await guardOf('create', limiter, null)(request)).toBe(true);
    expect(await guardOf('create', undefined)(request)).toBe(true);
    expect(limiter.keys).toEqual([]);
    // The defaults are on: a bucket not named is counted.
    expect(await guardOf('create', limiter, configWith({ status: false }))(request)).toBe(true);
    expect(limiter.keys).toEqual(['create:ip:203.0.113.7']);
  });

  it('answers a limiter that cannot reach its backend as 503, and lets other errors through', async () => {
    const unreachable: QrLoginRateLimiter = {
      hit: async () => {
        throw new QrLoginStoreUnavailableError('redis is down');
      },
    };
    expect(await guardOf('create', unreachable)({ ip: '203.0.113.7' })).toMatchObject({
      status: 503,
      code: 'QR_STORE_UNAVAILABLE',
    });
    const bug = new RangeError('a bug in the limiter');
    const buggy: QrLoginRateLimiter = {
      hit: async () => {
        throw bug;
      },
    };
    await expect(guardOf('create', buggy)({ ip: '203.0.113.7' })).rejects.toBe(bug);
  });

  it('is one guard class per bucket', () => {
    expect(QrLoginRateLimitGuard('create')).toBe(QrLoginRateLimitGuard('create'));
    expect(QrLoginRateLimitGuard('create')).not.toBe(QrLoginRateLimitGuard('redeem'));
  });
});
