import type { QrLoginClock, QrLoginTimer } from '../../lib/kernel/qr-login.clock';

interface Pending {
  id: number;
  at: number;
  callback: () => void;
}

/**
 * A clock that moves only when a test says so: `advance(ms)` fires every
 * timer that falls due, in order of due time (then of scheduling), each with
 * `now()` set to its due time. Stores keep wall-clock retention, so start it
 * at the real `Date.now()` (the default) and only move it forward.
 */
export class ManualClock implements QrLoginClock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, Pending>();

  constructor(start: number = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): QrLoginTimer {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.current + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(timer: QrLoginTimer): void {
    this.timers.delete(timer as number);
  }

  /** Timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /**
   * Moves the clock `ms` forward, firing due timers in order. A timer set by a
   * callback fires within the same call when it falls due before the end.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`ManualClock only moves forward; got ${ms} ms.`);
    const end = this.current + ms;
    for (;;) {
      const due = [...this.timers.values()].filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers.delete(due.id);
      this.current = Math.max(this.current, due.at);
      due.callback();
    }
    this.current = end;
  }
}
