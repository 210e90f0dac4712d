import { ThrottlerStorageService } from '@nestjs/throttler';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type QrLoginThrottlerStorage, ThrottlerStorageQrLoginRateLimiter } from './throttler-storage.rate-limiter';

/*
 * The module's limits counted in `@nestjs/throttler`'s own in-memory storage,
 * with `Date` faked so the windows move when the test says (the storage reads
 * `Date.now()`). What a storage answers that the in-memory one never does
 * (a negative time to live, as Redis' TTL of -1) comes from a storage written here.
 */

const START = 1_900_000_000_000;
const WINDOW = 60_000;

describe('ThrottlerStorageQrLoginRateLimiter on ThrottlerStorageService', () => {
  const storages: ThrottlerStorageService[] = [];
  afterEach(() => {
    for (const storage of storages.splice(0)) storage.onApplicationShutdown();
    vi.useRealTimers();
  });

  function setUp(options?: ConstructorParameters<typeof ThrottlerStorageQrLoginRateLimiter>[1]) {
    vi.useFakeTimers({ toFake: ['Date'], now: START });
    const storage = new ThrottlerStorageService();
    storages.push(storage);
    return { storage, limiter: new ThrottlerStorageQrLoginRateLimiter(storage, options) };
  }

  it('lets exactly `limit` hits through in a window and refuses the next', async () => {
    const { limiter } = setUp();
    expect(await limiter.hit('k', 2, WINDOW)).toEqual({ allowed: true, count: 1, resetInMs: WINDOW });
    vi.setSystemTime(START + 1_000);
    expect(await limiter.hit('k', 2, WINDOW)).toEqual({ allowed: true, count: 2, resetInMs: WINDOW - 1_000 });
    expect(await limiter.hit('k', 2, WINDOW)).toEqual({ allowed: false, count: 3, resetInMs: WINDOW });
    // Another key has a window of its own.
    expect(await limiter.hit('other', 2, WINDOW)).toMatchObject({ allowed: true, count: 1 });
  });

  it('keeps a key over its limit refused for one window from the refusal, then lets it in again', async () => {
    const { limiter } = setUp();
    await limiter.hit('k', 1, WINDOW);
    vi.setSystemTime(START + 10_000);
    expect(await limiter.hit('k', 1, WINDOW)).toEqual({ allowed: false, count: 2, resetInMs: WINDOW });
    // Past the first hit's window, the refused hit's window still runs: refused, and Retry-After says how long.
    vi.setSystemTime(START + 65_000);
    expect(await limiter.hit('k', 1, WINDOW)).toEqual({ allowed: false, count: 1, resetInMs: 5_000 });
    vi.setSystemTime(START + 10_000 + WINDOW - 1);
    expect(await limiter.hit('k', 1, WINDOW)).toMatchObject({ allowed: false });
    vi.setSystemTime(START + 10_000 + WINDOW);
    expect(await limiter.hit('k', 1, WINDOW)).toMatchObject({ allowed: true, count: 1 });
  });

  it('counts under its own prefix and throttler name, apart from the app’s throttlers', async () => {
    const { storage, limiter } = setUp();
    await limiter.hit('create:ip:203.0.113.7', 5, WINDOW);
    expect([...storage.storage.keys()]).toEqual(['qr-login:create:ip:203.0.113.7']);
    expect([...storage.storage.get('qr-login:create:ip:203.0.113.7')!.totalHits]).toEqual([['qr-login', 1]]);

    const custom = new ThrottlerStorageQrLoginRateLimiter(storage, { keyPrefix: 'mine/', throttlerName: 'login' });
    await custom.hit('k', 5, WINDOW);
    expect([...storage.storage.get('mine/k')!.totalHits]).toEqual([['login', 1]]);
  });
});

describe('ThrottlerStorageQrLoginRateLimiter on any storage', () => {
  type Answer = Awaited<ReturnType<QrLoginThrottlerStorage['increment']>>;

  /** Answers what the test sets and records each call. */
  function storageAnswering(answer: Answer) {
    const calls: unknown[][] = [];
    const storage: QrLoginThrottlerStorage = {
      increment: async (...args) => {
        calls.push(args);
        return answer;
      },
    };
    return { calls, storage };
  }

  it('asks for one window of counting and, over the limit, one window of blocking', async () => {
    const { calls, storage } = storageAnswering({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    await new ThrottlerStorageQrLoginRateLimiter(storage).hit('redeem:ip:10.0.0.1', 30, 45_000);
    expect(calls).toEqual([['qr-login:redeem:ip:10.0.0.1', 45_000, 30, 45_000, 'qr-login']]);
  });

  it('refuses a blocked key whatever its count, and waits for the block rather than the window', async () => {
    const { storage } = storageAnswering({ totalHits: 1, timeToExpire: 60, isBlocked: true, timeToBlockExpire: 7 });
    expect(await new ThrottlerStorageQrLoginRateLimiter(storage).hit('k', 5, WINDOW)).toEqual({
      allowed: false,
      count: 1,
      resetInMs: 7_000,
    });
  });

  it('takes a negative time to live (a key without expiry) as no wait', async () => {
    const { storage } = storageAnswering({ totalHits: 6, timeToExpire: -1, isBlocked: false, timeToBlockExpire: 0 });
    expect(await new ThrottlerStorageQrLoginRateLimiter(storage).hit('k', 5, WINDOW)).toEqual({
      allowed: false,
      count: 6,
      resetInMs: 0,
    });
  });

  it('refuses anything that is not a storage, saying what to pass', () => {
    for (const storage of [undefined, null, {}, { increment: 'yes' }]) {
      expect(() => new ThrottlerStorageQrLoginRateLimiter(storage as never)).toThrow(
        new TypeError(
          'ThrottlerStorageQrLoginRateLimiter needs a ThrottlerStorage (an object with increment()), such as the one given to ThrottlerModule.forRoot({ storage }).',
        ),
      );
    }
  });
});
