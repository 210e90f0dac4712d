/*
 * The time a code has left, as `m:ss`, rendered once a second into the
 * element's countdown (a `role="timer"`, which screen readers do not announce
 * each second).
 */

/** Renders the time left until `expiresAt` into `node` each second while running. @internal */
export class QrLoginCountdown {
  private timer: ReturnType<typeof setInterval> | undefined;
  private expiresAt: number | undefined;

  constructor(
    private readonly node: HTMLElement,
    /** The text for a time left such as `1:05` (in the element's language now). */
    private readonly textOf: (time: string) => string,
  ) {}

  /** Counts down to `expiresAt` (ms since the epoch, by this browser's clock). */
  start(expiresAt: number): void {
    this.stop();
    this.expiresAt = expiresAt;
    this.render();
    this.timer = setInterval(() => this.render(), 1000);
  }

  /** Stops and empties the countdown. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.expiresAt = undefined;
    this.node.textContent = '';
  }

  /** Renders the time left now, if counting (again after a language change). */
  render(): void {
    if (this.expiresAt === undefined) return;
    const left = Math.max(0, Math.round((this.expiresAt - Date.now()) / 1000));
    const time = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    this.node.textContent = this.textOf(time);
  }
}
