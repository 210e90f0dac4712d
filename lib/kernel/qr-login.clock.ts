/** A timer handle of a `QrLoginClock`; only ever passed back to its `clearTimeout`. */
export type QrLoginTimer = unknown;

/**
 * Where the kernel reads the time and schedules its timers (expiry checks,
 * rotation, the end of a status stream). Every decision about lifetimes uses
 * it, so tests can drive expiry, ticket lifetime and rotation with a manual
 * clock instead of waiting. Default: the system clock.
 */
export interface QrLoginClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds of this clock; must not keep the process alive. */
  setTimeout(callback: () => void, ms: number): QrLoginTimer;
  clearTimeout(timer: QrLoginTimer): void;
}

// setTimeout keeps at most a 32-bit delay; longer ones would fire at once.
const MAX_TIMER_MS = 2_147_483_647;

/** The real clock: `Date.now()` and unref'd Node timers. */
export const systemClock: QrLoginClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, Math.min(Math.max(ms, 0), MAX_TIMER_MS));
    timer.unref();
    return timer;
  },
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};
