import type { QrLoginClock } from '../../lib';

/**
 * A clock the test moves by hand (`advance`), for the kernel's `clock`
 * option: lifetimes and polling intervals are judged on it, so a test
 * drives expiry without waiting. Timers fire, in order, when `advance`
 * passes them. Starts at the real time, so stores that expire by their own
 * clock keep every record the test still needs.
 */
export class ManualClock implements QrLoginClock {
  private current = Date.now();
  private readonly timers = new Map<number, { at: number; callback: () => void }>();
  private nextId = 1;

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): number {
    const id = this.nextId++;
    this.timers.set(id, { at: this.current + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(timer: unknown): void {
    this.timers.delete(timer as number);
  }

  /** Moves time on by `ms`, firing each timer that falls due on the way. */
  advance(ms: number): void {
    const until = this.current + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.current = Math.max(this.current, due[1].at);
      due[1].callback();
    }
    this.current = until;
  }
}
