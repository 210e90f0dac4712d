import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryQrLoginRateLimiter } from './memory-rate-limiter';

/*
 * The in-memory fixed window on a clock the test moves: exactly `limit` hits
 * pass in a window, the next is refused, and a window ends exactly `windowMs`
 * after its first hit. The once-a-second sweep runs on vitest's fake
 * interval, so nothing here waits for real time.
 */

const START = 1_900_000_000_000;
const WINDOW = 60_000;

function setUp() {
  const clock = { at: START, now: () => clock.at };
  const limiter = new MemoryQrLoginRateLimiter(clock);
  return { clock, limiter };
}

/** Timers that keep the process alive (an unref'd timer is not listed). */
const liveTimers = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;

describe('MemoryQrLoginRateLimiter', () => {
  const limiters: MemoryQrLoginRateLimiter[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(limiters.splice(0).map((limiter) => limiter.close()));
  });

  it('lets exactly `limit` hits through in a window and refuses the next, counting each', async () => {
    const { clock, limiter } = setUp();
    limiters.push(limiter);
    expect(await limiter.hit('k', 3, WINDOW)).toEqual({ allowed: true, count: 1, resetInMs: WINDOW });
    clock.at += 1_000;
    expect(await limiter.hit('k', 3, WINDOW)).toEqual({ allowed: true, count: 2, resetInMs: WINDOW - 1_000 });
    expect(await limiter.hit('k', 3, WINDOW)).toEqual({ allowed: true, count: 3, resetInMs: WINDOW - 1_000 });
    expect(await limiter.hit('k', 3, WINDOW)).toEqual({ allowed: false, count: 4, resetInMs: WINDOW - 1_000 });
    expect(await limiter.hit('k', 3, WINDOW)).toEqual({ allowed: false, count: 5, resetInMs: WINDOW - 1_000 });
  });

  it('ends the window exactly windowMs after its first hit: 1 ms before, it still counts', async () => {
    const { clock, limiter } = setUp();
    limiters.push(limiter);
    await limiter.hit('k', 1, WINDOW);
    clock.at = START + WINDOW - 1;
    expect(await limiter.hit('k', 1, WINDOW)).toEqual({ allowed: false, count: 2, resetInMs: 1 });
    clock.at = START + WINDOW;
    expect(await limiter.hit('k', 1, WINDOW)).toEqual({ allowed: true, count: 1, resetInMs: WINDOW });
    // The new window starts at that hit, not at the old window's end plus a window.
    clock.at = START + 2 * WINDOW - 1;
    expect(await limiter.hit('k', 1, WINDOW)).toMatchObject({ allowed: false, resetInMs: 1 });
  });

  it('counts each key apart', async () => {
    const { limiter } = setUp();
    limiters.push(limiter);
    expect(await limiter.hit('a', 1, WINDOW)).toMatchObject({ allowed: true, count: 1 });
    expect(await limiter.hit('b', 1, WINDOW)).toMatchObject({ allowed: true, count: 1 });
    expect(await limiter.hit('a', 1, WINDOW)).toMatchObject({ allowed: false, count: 2 });
    expect(limiter.size).toBe(2);
  });

  it('sweeps ended windows once a second, keeps live ones, and stops sweeping when none is left', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { clock, limiter } = setUp();
    limiters.push(limiter);
    await limiter.hit('early', 1, WINDOW);
    clock.at = START + 10_000;
    await limiter.hit('late', 1, WINDOW);
    // One sweeper for every key.
    expect(vi.getTimerCount()).toBe(1);
    clock.at = START + WINDOW - 1;
    vi.advanceTimersByTime(1_000);
    expect(limiter.size).toBe(2);
    // At its end a window is swept, the one still running is not.
    clock.at = START + WINDOW;
    vi.advanceTimersByTime(999);
    expect(limiter.size).toBe(2);
    vi.advanceTimersByTime(1);
    expect(limiter.size).toBe(1);
    expect(vi.getTimerCount()).toBe(1);
    clock.at = START + 10_000 + WINDOW;
    vi.advanceTimersByTime(1_000);
    expect(limiter.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    // A later hit starts a sweeper again.
    await limiter.hit('again', 1, WINDOW);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('does not keep the process alive for its sweeper', async () => {
    const { limiter } = setUp();
    limiters.push(limiter);
    const before = liveTimers();
    void limiter.hit('k', 1, WINDOW);
    expect(liveTimers()).toBe(before);
  });

  it('forgets every window and its sweeper on close', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { limiter } = setUp();
    await limiter.hit('k', 1, WINDOW);
    await limiter.close();
    expect(limiter.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(await limiter.hit('k', 1, WINDOW)).toMatchObject({ allowed: true, count: 1 });
    expect(vi.getTimerCount()).toBe(1);
    await limiter.close();
  });

  it('reads Date.now() without a clock', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: START });
    const limiter = new MemoryQrLoginRateLimiter();
    limiters.push(limiter);
    await limiter.hit('k', 1, WINDOW);
    vi.setSystemTime(START + WINDOW - 1);
    expect(await limiter.hit('k', 1, WINDOW)).toEqual({ allowed: false, count: 2, resetInMs: 1 });
  });
});
