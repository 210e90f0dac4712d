/*
 * How the statuses of one code reach the page: an event stream, or polling
 * where there is none, where it is refused or where it closed for good;
 * polling backs off while the server fails.
 */
import { isAbort, RequestError, type QrLoginApi } from './qr-login.api.mjs';
import type { QrLoginStatusView, QrLoginTransport } from './qr-login.types.mjs';

// Polling backs off on failures up to this; a server that is down needs no faster knocking.
const MAX_BACKOFF_MS = 30_000;
// EventSource.CLOSED, without needing the class at hand.
const EVENT_SOURCE_CLOSED = 2;

/** Whether a request to `url` leaves this page's origin (then EventSource needs `withCredentials`). */
function isCrossOrigin(url: string): boolean {
  const location = typeof window === 'undefined' ? undefined : window.location;
  if (!location || !location.href) return /^[a-z][a-z\d+.-]*:/i.test(url);
  try {
    return new URL(url, location.href).origin !== location.origin;
  } catch {
    return false;
  }
}

/** How to follow codes, from the options of `startQrLogin`. @internal */
export interface FollowSettings {
  /** `'auto'`: SSE, falling back to polling. */
  wanted: 'auto' | QrLoginTransport;
  /** Undefined where the browser has none. */
  EventSource: typeof EventSource | undefined;
  /** Milliseconds between status reads when polling. */
  pollInterval: number;
}

/** What a follow tells the login it belongs to. @internal */
export interface FollowListener {
  /** A status of the code (or of the code that replaced it), repeats included. */
  view(view: QrLoginStatusView): void;
  /** Status changes now arrive this way. */
  transport(transport: QrLoginTransport): void;
  /** A failure: `fatal` ones end the follow, the others are retried by it. */
  problem(error: unknown, fatal: boolean): void;
}

/**
 * One code's life: its requests, its stream and its timer, everything that
 * must end together when the code is replaced or the login stopped.
 * @internal
 */
export class CodeFollow {
  /** Aborts every request made for this code; `end()` fires it. */
  readonly abort = new AbortController();
  /** The code whose statuses are read (the latest, after a rotation). */
  qrcodeId = '';
  private source: EventSource | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The stream delivered at least one status. */
  private heard = false;
  /** No more status reads for this code (terminal status, failure or end). */
  private ended = false;
  /** Consecutive failed polls. */
  private failures = 0;
  /** `qrcodeId/status` of the last view passed on, so polling does not repeat it. */
  private lastKey: string | undefined;

  constructor(
    private readonly api: QrLoginApi,
    private readonly settings: FollowSettings,
    private readonly listener: FollowListener,
  ) {}

  /** This follow was replaced or stopped: whatever it awaited is no longer wanted. */
  get dropped(): boolean {
    return this.abort.signal.aborted;
  }

  /** Whether `view` says something new (a status not yet passed on for its code); records it. */
  isNews(view: QrLoginStatusView): boolean {
    const key = `${view.qrcodeId}/${view.status}`;
    if (key === this.lastKey) return false;
    this.lastKey = key;
    return true;
  }

  /** Starts reading the statuses of `qrcodeId`, the way the settings say. */
  start(qrcodeId: string): void {
    this.qrcodeId = qrcodeId;
    const { wanted, EventSource: Source } = this.settings;
    if (wanted === 'poll' || (wanted === 'auto' && !Source)) return this.poll(0);
    if (!Source) {
      return this.fail(
        'transport "sse" was asked for, but this browser has no EventSource; use "auto" to fall back to polling.',
      );
    }
    this.listener.transport('sse');
    void this.openStream(Source);
  }

  /**
   * Opens the stream with a fresh URL (a DPoP proof in it is good once).
   * The browser's own reconnect would send the spent proof again, so after a
   * drop the stream is reopened here with a new one, a poll interval later.
   */
  private async openStream(Source: typeof EventSource): Promise<void> {
    const { wanted } = this.settings;
    let url: string;
    try {
      url = await this.api.streamUrl(this.qrcodeId);
    } catch (error) {
      if (!this.ended) this.listener.problem(error, true);
      return;
    }
    if (this.ended) return;
    // Cross-origin streams carry the creator cookie only with credentials; the ticket depends on it.
    const source = new Source(url, { withCredentials: isCrossOrigin(url) });
    this.source = source;
    const keyed = url.includes('?dpop=');
    source.onmessage = (event: MessageEvent) => {
      if (this.ended) return;
      let view: QrLoginStatusView;
      try {
        view = JSON.parse(String(event.data));
      } catch {
        return;
      }
      this.heard = true;
      this.listener.view(view);
    };
    source.onerror = () => {
      if (this.ended) return;
      // Before any status (refused, blocked by a proxy) or closed for good: polling takes over.
      // Otherwise the browser reconnects by itself and the server sends the current status again.
      const closed = source.readyState === EVENT_SOURCE_CLOSED;
      if (this.heard && keyed) {
        this.closeSource();
        this.timer = setTimeout(() => void this.openStream(Source), this.settings.pollInterval);
        return;
      }
      if (this.heard && !closed) return;
      if (wanted === 'sse') {
        if (closed) this.fail('The event stream was refused or closed; use transport "auto" to fall back to polling.');
        return;
      }
      this.closeSource();
      this.poll(0);
    };
  }

  /** The stream reported a server-side failure: read by polling until the server recovers. */
  recover(): void {
    this.lastKey = undefined;
    this.closeSource();
    this.poll(this.settings.pollInterval);
  }

  /** Stops reading statuses; requests still running for the code (its redemption) go on. */
  stopReading(): void {
    this.ended = true;
    this.closeSource();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Ends everything: status reads and requests. */
  end(): void {
    this.stopReading();
    this.abort.abort();
  }

  private poll(delay: number): void {
    const { pollInterval } = this.settings;
    this.listener.transport('poll');
    const tick = async () => {
      this.timer = undefined;
      if (this.ended) return;
      let view: QrLoginStatusView;
      try {
        view = await this.api.request('GET', this.api.codePath(this.qrcodeId), this.abort.signal);
      } catch (error) {
        if (this.ended || isAbort(error)) return;
        if (error instanceof RequestError && error.transient) {
          this.failures++;
          // One report per run of failures, not one per attempt.
          if (this.failures === 1) this.listener.problem(error, false);
          const backoff = Math.min(pollInterval * 2 ** this.failures, MAX_BACKOFF_MS);
          this.schedule(tick, Math.max(error.retryAfterMs ?? 0, backoff));
          return;
        }
        return this.listener.problem(error, true);
      }
      if (this.ended) return;
      this.failures = 0;
      this.listener.view(view);
      if (!this.ended) this.schedule(tick, pollInterval);
    };
    this.schedule(tick, delay);
  }

  private schedule(tick: () => Promise<void>, delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(tick, delay);
  }

  private fail(message: string): void {
    this.listener.problem(new RequestError('QR_SSE_UNAVAILABLE', message, 0), true);
  }

  private closeSource(): void {
    const source = this.source;
    if (!source) return;
    source.onmessage = null;
    source.onerror = null;
    source.close();
    this.source = undefined;
  }
}
