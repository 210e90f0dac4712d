import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../lib/kernel/qr-login.clock';

/** The real clock's timers: never keeping the process alive, and within what Node's timers can hold. */
describe('systemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads the time of Date.now()', () => {
    vi.useFakeTimers({ now: 1_700_000_000_123 });
    expect(systemClock.now()).toBe(1_700_000_000_123);
  });

  it('fires a timer after its delay, a negative delay at once, and one past 2^31 - 1 ms no earlier than that', () => {
    vi.useFakeTimers();
    const fired: string[] = [];
    systemClock.setTimeout(() => fired.push('in 50 ms'), 50);
    systemClock.setTimeout(() => fired.push('overdue'), -5_000);
    systemClock.setTimeout(() => fired.push('far'), Number.MAX_SAFE_INTEGER);
    vi.advanceTimersByTime(0);
    expect(fired).toEqual(['overdue']);
    vi.advanceTimersByTime(49);
    expect(fired).toEqual(['overdue']);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['overdue', 'in 50 ms']);
    vi.advanceTimersByTime(2_147_483_647 - 51);
    expect(fired).toEqual(['overdue', 'in 50 ms']);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['overdue', 'in 50 ms', 'far']);
  });

  it('never keeps the process alive, and clears what it set', () => {
    const fired: string[] = [];
    const timer = systemClock.setTimeout(() => fired.push('fired'), 60_000) as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    systemClock.clearTimeout(timer);
    vi.useFakeTimers();
    const cleared = systemClock.setTimeout(() => fired.push('cleared'), 10);
    systemClock.clearTimeout(cleared);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([]);
  });
});
