import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/sse';
import type { RedisServer } from '../../../test/support/redis-server';
import { redisPerFile } from '../../../test/support/server-per-file';
import { QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import { RedisQrLoginRateLimiter } from './redis-rate-limiter';

/*
 * The shared fixed-window limiter against a real redis-server on a free port:
 * where it counts, the limit at and one past it, when a window starts and
 * ends, and what a refused command or a closed connection becomes.
 */

const MINUTE = 60_000;

describe('RedisQrLoginRateLimiter', () => {
  let server: RedisServer;
  let admin: Redis;
  const clients: Redis[] = [];
  const connect = (options: { lazyConnect?: boolean } = {}) => {
    const client = new Redis(server.url, options);
    clients.push(client);
    return client;
  };

  redisPerFile((parts) => ({ server, admin } = parts));
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
  });

  it('refuses to start without an ioredis client, saying what to pass', () => {
    const message =
      'RedisQrLoginRateLimiter needs a ready ioredis client as "client", e.g. new RedisQrLoginRateLimiter({ client: redisStore.client }).';
    expect(() => new RedisQrLoginRateLimiter(undefined as never)).toThrow(message);
    expect(() => new RedisQrLoginRateLimiter({} as never)).toThrow(message);
    expect(() => new RedisQrLoginRateLimiter({ client: { eval: 'no' } } as never)).toThrow(message);
  });

  it('counts under "qr-login:rate:{key}" by default and under its own prefix when given one', async () => {
    const limiter = new RedisQrLoginRateLimiter({ client: connect() });
    await limiter.hit('1.2.3.4', 5, MINUTE);
    expect(await admin.get('qr-login:rate:{1.2.3.4}')).toBe('1');

    const own = new RedisQrLoginRateLimiter({ client: connect(), keyPrefix: 'shop:limits' });
    await own.hit('1.2.3.4', 5, MINUTE);
    await own.hit('1.2.3.4', 5, MINUTE);
    expect(await admin.get('shop:limits:{1.2.3.4}')).toBe('2');
    expect(await admin.get('qr-login:rate:{1.2.3.4}')).toBe('1');
  });

  it('allows exactly `limit` hits in a window and refuses the one past it', async () => {
    const limiter = new RedisQrLoginRateLimiter({ client: connect() });
    const verdicts = [];
    for (let i = 0; i < 4; i++) verdicts.push(await limiter.hit('k', 3, MINUTE));
    expect(verdicts.map(({ allowed, count }) => [allowed, count])).toEqual([
      [true, 1],
      [true, 2],
      [true, 3],
      [false, 4],
    ]);
    // Other keys have their own counters.
    expect(await limiter.hit('other', 3, MINUTE)).toMatchObject({ allowed: true, count: 1 });
    // A limit of 0 refuses even the first hit.
    expect(await limiter.hit('none', 0, MINUTE)).toMatchObject({ allowed: false, count: 1 });
  });

  it('starts the window on the first hit, with the window as the time to reset, and never extends it', async () => {
    const limiter = new RedisQrLoginRateLimiter({ client: connect() });
    // The script reads the time once, so the first hit reports the whole window.
    expect(await limiter.hit('k', 10, MINUTE)).toEqual({ allowed: true, count: 1, resetInMs: MINUTE });
    expect(await admin.pttl('qr-login:rate:{k}')).toBeGreaterThan(MINUTE - 1_000);
    // Shorten the running window: later hits report what is left of it instead of starting it again.
    await admin.pexpire('qr-login:rate:{k}', 30_000);
    const later = await limiter.hit('k', 10, MINUTE);
    expect(later.count).toBe(2);
    expect(later.resetInMs).toBeLessThanOrEqual(30_000);
    expect(later.resetInMs).toBeGreaterThan(29_000);
  });

  it('counts from one again once the window has passed', async () => {
    const limiter = new RedisQrLoginRateLimiter({ client: connect() });
    await limiter.hit('k', 1, 50);
    expect(await limiter.hit('k', 1, 50)).toMatchObject({ allowed: false, count: 2 });
    // Waits for Redis to expire the counter (its clock, not ours): nothing to miss, only to wait for.
    await eventually(async () => (await admin.exists('qr-login:rate:{k}')) === 0, 5_000, 'the counter to expire');
    expect(await limiter.hit('k', 1, 50)).toMatchObject({ allowed: true, count: 1 });
  });

  it('gives a counter that lost its expiry a whole window again instead of keeping it forever', async () => {
    await admin.set('qr-login:rate:{k}', '5');
    const limiter = new RedisQrLoginRateLimiter({ client: connect() });
    expect(await limiter.hit('k', 10, MINUTE)).toEqual({ allowed: true, count: 6, resetInMs: MINUTE });
    expect(await admin.pttl('qr-login:rate:{k}')).toBeGreaterThan(MINUTE - 1_000);
  });

  it('waits for a client that is not connected yet', async () => {
    const client = connect({ lazyConnect: true });
    expect(client.status).toBe('wait');
    const limiter = new RedisQrLoginRateLimiter({ client });
    expect(await limiter.hit('k', 1, MINUTE)).toEqual({ allowed: true, count: 1, resetInMs: MINUTE });
  });

  it('answers a closed connection as unavailable, as the connection check words it', async () => {
    const client = connect();
    await client.ping();
    client.disconnect();
    await eventually(() => client.status === 'end', 5_000, 'the connection to end');
    const limiter = new RedisQrLoginRateLimiter({ client });
    const failure = await limiter.hit('k', 1, MINUTE).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QrLoginStoreUnavailableError);
    expect((failure as Error).message).toBe(
      'Redis is unreachable (connection end); it is retried in the background, so retry in a moment.',
    );
  });

  it('answers a command Redis refuses as unavailable, naming the cause', async () => {
    await admin.set('qr-login:rate:{k}', 'not a number');
    const limiter = new RedisQrLoginRateLimiter({ client: connect() });
    const failure = await limiter.hit('k', 1, MINUTE).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QrLoginStoreUnavailableError);
    expect((failure as Error).message).toMatch(/^The rate limiter could not reach Redis: .*not an integer/);
    expect((failure as Error).cause).toBeInstanceOf(Error);
    expect(((failure as Error).cause as Error).message).toMatch(/not an integer/);
  });
});
