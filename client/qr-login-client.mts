/*
 * The browser side of nestjs-qr-login: creates a code, shows it, follows its
 * status (Server-Sent Events, or polling where those are unavailable),
 * replaces an expired code and redeems the ticket once the phone confirms.
 *
 * No framework and no dependency: only `fetch`, `EventSource`, `AbortController`
 * and, when a container is given, a few DOM calls.
 */

/** Status strings of the server (GenAuth's). */
export type QrLoginStatus = 'PENDING' | 'SCANNED' | 'AUTHORIZED' | 'CANCELLED' | 'EXPIRED' | 'ERROR';

/** What the page may show of the user who scanned. */
export interface QrLoginBriefUserInfo {
  displayName: string;
  /** Image URL (often a data URL). */
  photo?: string;
}

/** One status of a code, as `GET /<prefix>/qrcodes/:id` and the event stream send it. */
export interface QrLoginStatusView {
  qrcodeId: string;
  status: QrLoginStatus;
  /** Seconds left while PENDING or SCANNED. */
  expiresIn?: number;
  /** Who scanned (creator only). */
  briefUserInfo?: QrLoginBriefUserInfo;
  /** Once AUTHORIZED (creator only). */
  ticket?: string;
  /** Number matching: the number to show (creator only). */
  matchCode?: string;
  /** On a rotation event: the new code's image, payload and the id it replaced. */
  url?: string;
  payload?: string;
  rotatedFrom?: string;
  /** The short code to type instead of scanning (e.g. `WDJB-MJHT`), when the server issues one. */
  userCode?: string;
  /** The sample's earlier name of `userCode`, still read. */
  shortCode?: string;
  /** On CANCELLED when not cancelled by the user (e.g. `MATCH_FAILED`). */
  cancelReason?: string;
  /** On ERROR. */
  code?: string;
  message?: string;
}

/** A code on screen. */
export interface QrLoginCode {
  qrcodeId: string;
  /** Image URL (a data URL by default); put it in an `<img src>`. */
  url: string;
  /** The text inside the QR image. */
  payload: string;
  /** Seconds the code had left when it arrived. */
  expiresIn: number;
  /** When the code expires by this browser's clock, ms since the epoch (for a countdown). */
  expiresAt: number;
  /** Number matching: the number the phone must pick. */
  matchCode?: string;
  /** The short code to type instead of scanning (e.g. `WDJB-MJHT`), when the server issues one. */
  userCode?: string;
  /** The sample's earlier name of `userCode`, still read. */
  shortCode?: string;
  /** Set when the server replaced (rotated) the previous code: that code's id. */
  rotatedFrom?: string;
}

/** A failure, with the server's stable `code` where there was an answer. */
export interface QrLoginError {
  /** The server's error code (`QR_RATE_LIMITED`, …) or one of the client's: `QR_NETWORK_ERROR`, `QR_BAD_RESPONSE`, `QR_SSE_UNAVAILABLE`, `QR_TICKET_UNAVAILABLE`. */
  code: string;
  message: string;
  /** HTTP status of the answer; 0 when the server could not be reached. */
  status?: number;
  /**
   * True when the login stopped and only `refresh()` starts again; false when
   * the client keeps trying by itself (a dropped connection, a busy server).
   */
  fatal: boolean;
}

/** How status changes arrive. */
export type QrLoginTransport = 'sse' | 'poll';

/** Where a login stands. */
export type QrLoginState =
  'creating' | 'pending' | 'scanned' | 'redeeming' | 'authorized' | 'cancelled' | 'expired' | 'failed' | 'stopped';

/** Texts of the rendering into `container`. */
export interface QrLoginLabels {
  /** `alt` of the QR image. */
  image: string;
  /** Before the match number. */
  matchCode: string;
  /** Before the short code. */
  shortCode: string;
}

export interface QrLoginOptions<TResult = unknown> {
  /** Origin (and path, if any) of the Nest app. Default `''`: this page's origin. */
  baseUrl?: string;
  /** The module's `routePrefix`. Default `'qr-login'`. */
  routePrefix?: string;
  /**
   * Element to render into: the QR `<img>`, the match number and the short
   * code. The client owns its children and sets `data-qr-login-state` on it.
   * Without it, render from `onCode`.
   */
  container?: HTMLElement | null;
  /** Texts of that rendering. Default: English. */
  labels?: Partial<QrLoginLabels>;
  /** `'auto'` (default): SSE, falling back to polling when unavailable; or force one. */
  transport?: 'auto' | QrLoginTransport;
  /** Milliseconds between status reads when polling. Default 1500. */
  pollInterval?: number;
  /**
   * Replace an expired code by a new one. Default `true`, which is `{ max: 5 }`:
   * five codes in a row expire unused, then the page waits for `refresh()`.
   * A scan or a `refresh()` starts the count again.
   */
  autoRefresh?: boolean | { max?: number };
  /** Post the ticket to `POST /<prefix>/login` once authorized. Default `true`. */
  autoRedeem?: boolean;
  /** Sent with each new code; handed to the server's hooks on authorization. */
  customData?: Record<string, unknown>;
  /** Sent with each new code; handed to the server's hooks on authorization. */
  context?: Record<string, unknown>;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Default: the global `EventSource`; none means polling (in `'auto'`). */
  EventSource?: typeof EventSource;
  /** A code to show: the first, each new one after expiry or `refresh()`, and each rotation. */
  onCode?(code: QrLoginCode): void;
  /** Each status change of the current code. */
  onStatus?(view: QrLoginStatusView): void;
  /** Someone scanned; `user` is set when this browser created the code. */
  onScanned?(user: QrLoginBriefUserInfo | undefined, view: QrLoginStatusView): void;
  /**
   * Confirmed on the phone. With `autoRedeem` (the default), `result` is the
   * answer of `POST /<prefix>/login`; without it, `result` is undefined and
   * the page redeems `ticket` itself.
   */
  onAuthorized?(result: TResult | undefined, ticket: string): void;
  /** Cancelled on the phone; `reason` is set when not cancelled by the user (`MATCH_FAILED`). */
  onCancelled?(reason: string | undefined): void;
  /** The code expired; `willRefresh` tells whether a new one follows by itself. */
  onExpired?(info: { willRefresh: boolean }): void;
  /** Something failed; see `QrLoginError.fatal`. */
  onError?(error: QrLoginError): void;
  /** How status changes arrive now (it changes when SSE falls back to polling). */
  onTransport?(transport: QrLoginTransport): void;
}

/** A running login, from `startQrLogin`. */
export interface QrLoginHandle {
  /** The code on screen, if any. */
  readonly current: QrLoginCode | undefined;
  readonly state: QrLoginState;
  /** How status changes of the current code arrive; undefined when nothing is followed. */
  readonly transport: QrLoginTransport | undefined;
  /** Drops the current code and shows a new one; resolves once it is shown (or failed). */
  refresh(): Promise<void>;
  /**
   * Ends everything: closes the stream, clears timers, aborts requests. No
   * callback runs after it, and `refresh()` does nothing: start a new login instead.
   */
  stop(): void;
}

const DEFAULT_LABELS: QrLoginLabels = {
  image: 'QR code: scan it with the app on your phone to log in',
  matchCode: 'Pick this number on your phone',
  shortCode: 'Or type this code in the app',
};

const DEFAULT_POLL_INTERVAL_MS = 1500;
const DEFAULT_AUTO_REFRESH_MAX = 5;
// Polling backs off on failures up to this; a server that is down needs no faster knocking.
const MAX_BACKOFF_MS = 30_000;
const SECRET_HEADER = 'x-qr-login-secret';
// EventSource.CLOSED, without needing the class at hand.
const EVENT_SOURCE_CLOSED = 2;
const TERMINAL: ReadonlySet<QrLoginStatus> = new Set(['AUTHORIZED', 'CANCELLED', 'EXPIRED', 'ERROR']);

/** A failed request, carrying what `onError` reports. */
class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** Worth trying again: unreachable, throttled or a server-side failure. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** One code's life: everything that must end together when it is replaced or stopped. */
interface Follow {
  readonly abort: AbortController;
  source?: EventSource;
  timer?: ReturnType<typeof setTimeout>;
  /** The transport delivered at least one status. */
  heard: boolean;
  /** No more status reads for this code (terminal status or stop). */
  ended: boolean;
  /** Consecutive failed polls. */
  failures: number;
  /** `qrcodeId/status` of the last view reported, so polling does not repeat it. */
  lastKey?: string;
}

function trimSlashes(text: string): string {
  return text.replace(/^\/+|\/+$/g, '');
}

function isAbort(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

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

/** A user callback must not break the client; its error still reaches the console. */
function safely<A extends unknown[]>(callback: ((...args: A) => void) | undefined, ...args: A): void {
  if (!callback) return;
  try {
    callback(...args);
  } catch (error) {
    setTimeout(() => {
      throw error;
    }, 0);
  }
}

class QrLoginFlow<TResult> implements QrLoginHandle {
  private readonly fetchFn: typeof fetch;
  private readonly EventSourceCtor: typeof EventSource | undefined;
  private readonly apiBase: string;
  private readonly pollInterval: number;
  private readonly refreshMax: number;
  private readonly labels: QrLoginLabels;
  private follow: Follow | undefined;
  private creatorSecret: string | undefined;
  private autoRefreshes = 0;
  private stopped = false;
  private waitingForVisibility: (() => void) | undefined;
  private view:
    | {
        image: HTMLImageElement;
        match: HTMLElement;
        matchValue: HTMLElement;
        short: HTMLElement;
        shortValue: HTMLElement;
      }
    | undefined;

  current: QrLoginCode | undefined;
  state: QrLoginState = 'creating';
  transport: QrLoginTransport | undefined;

  constructor(private readonly options: QrLoginOptions<TResult>) {
    const givenFetch = options.fetch;
    // Called through a wrapper: a bare `window.fetch` reference called as a method of another object throws.
    this.fetchFn = (input, init) => (givenFetch ?? fetch)(input, init);
    this.EventSourceCtor = options.EventSource ?? (typeof EventSource === 'function' ? EventSource : undefined);
    const base = (options.baseUrl ?? '').replace(/\/+$/, '');
    const prefix = trimSlashes(options.routePrefix ?? 'qr-login');
    this.apiBase = prefix ? `${base}/${prefix}` : base;
    const interval = options.pollInterval ?? DEFAULT_POLL_INTERVAL_MS;
    if (!(interval > 0))
      throw new RangeError(
        `pollInterval must be a positive number of milliseconds; got ${String(options.pollInterval)}.`,
      );
    this.pollInterval = interval;
    const auto = options.autoRefresh ?? true;
    this.refreshMax =
      auto === false ? 0 : auto === true ? DEFAULT_AUTO_REFRESH_MAX : (auto.max ?? DEFAULT_AUTO_REFRESH_MAX);
    this.labels = { ...DEFAULT_LABELS, ...options.labels };
  }

  refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.autoRefreshes = 0;
    return this.createCode();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.endFollow();
    this.cancelVisibilityWait();
    this.setState('stopped');
  }

  /** Drops whatever follows the current code, then creates and follows a new one. */
  async createCode(): Promise<void> {
    this.endFollow();
    this.cancelVisibilityWait();
    const follow: Follow = { abort: new AbortController(), heard: false, ended: false, failures: 0 };
    this.follow = follow;
    this.setState('creating');
    const body: Record<string, unknown> = {};
    if (this.options.customData !== undefined) body.customData = this.options.customData;
    if (this.options.context !== undefined) body.context = this.options.context;
    let created: Record<string, unknown>;
    try {
      created = await this.request('POST', '/qrcodes', follow, body);
    } catch (error) {
      if (this.follow === follow) this.fail(error, true);
      return;
    }
    if (this.follow !== follow) return;
    if (typeof created.qrcodeId !== 'string' || typeof created.url !== 'string') {
      return this.fail(
        new RequestError(
          'QR_BAD_RESPONSE',
          'The server answered the code creation without qrcodeId and url; is baseUrl/routePrefix pointing at nestjs-qr-login?',
          201,
        ),
        true,
      );
    }
    this.creatorSecret = typeof created.creatorSecret === 'string' ? created.creatorSecret : undefined;
    this.showCode({
      qrcodeId: created.qrcodeId,
      url: created.url,
      payload: typeof created.payload === 'string' ? created.payload : '',
      expiresIn: Number(created.expiresIn) || 0,
      matchCode: typeof created.matchCode === 'string' ? created.matchCode : undefined,
      userCode: typeof created.userCode === 'string' ? created.userCode : undefined,
      shortCode: typeof created.shortCode === 'string' ? created.shortCode : undefined,
    });
    this.setState('pending');
    this.startTransport(follow);
  }

  private startTransport(follow: Follow): void {
    const wanted = this.options.transport ?? 'auto';
    if (wanted === 'poll' || (wanted === 'auto' && !this.EventSourceCtor)) return this.poll(follow, 0);
    if (!this.EventSourceCtor) {
      return this.fail(
        new RequestError(
          'QR_SSE_UNAVAILABLE',
          'transport "sse" was asked for, but this browser has no EventSource; use "auto" to fall back to polling.',
          0,
        ),
        true,
      );
    }
    const url = this.url(`/qrcodes/${encodeURIComponent(this.current!.qrcodeId)}/events`);
    // Cross-origin streams carry the creator cookie only with credentials; the ticket depends on it.
    const source = new this.EventSourceCtor(url, { withCredentials: isCrossOrigin(url) });
    follow.source = source;
    this.setTransport('sse');
    source.onmessage = (event: MessageEvent) => {
      if (this.follow !== follow || follow.ended) return;
      let view: QrLoginStatusView;
      try {
        view = JSON.parse(String(event.data));
      } catch {
        return;
      }
      follow.heard = true;
      this.onView(view, follow);
    };
    source.onerror = () => {
      if (this.follow !== follow || follow.ended) return;
      // Before any status (refused, blocked by a proxy) or closed for good: polling takes over.
      // Otherwise the browser reconnects by itself and the server sends the current status again.
      const closed = source.readyState === EVENT_SOURCE_CLOSED;
      if (follow.heard && !closed) return;
      if (wanted === 'sse') {
        if (!closed) return;
        return this.fail(
          new RequestError(
            'QR_SSE_UNAVAILABLE',
            'The event stream was refused or closed; use transport "auto" to fall back to polling.',
            0,
          ),
          true,
        );
      }
      this.closeSource(follow);
      this.poll(follow, 0);
    };
  }

  private poll(follow: Follow, delay: number): void {
    this.setTransport('poll');
    const tick = async () => {
      follow.timer = undefined;
      if (this.follow !== follow || follow.ended) return;
      let view: QrLoginStatusView;
      try {
        view = await this.request('GET', `/qrcodes/${encodeURIComponent(this.current!.qrcodeId)}`, follow);
      } catch (error) {
        if (this.follow !== follow || follow.ended || isAbort(error)) return;
        if (error instanceof RequestError && error.transient) {
          follow.failures++;
          // One report per run of failures, not one per attempt.
          if (follow.failures === 1) this.report(error, false);
          const backoff = Math.min(this.pollInterval * 2 ** follow.failures, MAX_BACKOFF_MS);
          follow.timer = setTimeout(tick, Math.max(error.retryAfterMs ?? 0, backoff));
          return;
        }
        return this.fail(error, true);
      }
      if (this.follow !== follow || follow.ended) return;
      follow.failures = 0;
      this.onView(view, follow);
      if (this.follow === follow && !follow.ended) follow.timer = setTimeout(tick, this.pollInterval);
    };
    follow.timer = setTimeout(tick, delay);
  }

  private onView(view: QrLoginStatusView, follow: Follow): void {
    const current = this.current!;
    if (view.rotatedFrom && typeof view.url === 'string' && view.qrcodeId !== current.qrcodeId) {
      this.showCode({
        qrcodeId: view.qrcodeId,
        url: view.url,
        payload: view.payload ?? '',
        expiresIn: view.expiresIn ?? 0,
        matchCode: view.matchCode,
        userCode: view.userCode,
        shortCode: view.shortCode,
        rotatedFrom: view.rotatedFrom,
      });
    } else if (view.qrcodeId !== current.qrcodeId) {
      return;
    }
    const key = `${view.qrcodeId}/${view.status}`;
    if (key === follow.lastKey) return;
    follow.lastKey = key;
    this.renderState(view.status);
    safely(this.options.onStatus, view);
    if (this.follow !== follow) return;
    switch (view.status) {
      case 'PENDING':
        this.setState('pending');
        break;
      case 'SCANNED':
        // Someone is at it: the page is in use, so expiries count from zero again.
        this.autoRefreshes = 0;
        this.setState('scanned');
        safely(this.options.onScanned, view.briefUserInfo, view);
        break;
      case 'AUTHORIZED':
        this.endTransport(follow);
        void this.authorized(view.ticket, follow);
        break;
      case 'CANCELLED':
        this.endTransport(follow);
        this.setState('cancelled');
        safely(this.options.onCancelled, view.cancelReason);
        break;
      case 'EXPIRED':
        this.endTransport(follow);
        this.expired();
        break;
      case 'ERROR':
        // The stream ended on a server-side failure (a store outage); polling retries until it recovers.
        this.report(
          new RequestError(view.code ?? 'QR_ERROR', view.message ?? 'The server reported an error.', 0),
          false,
        );
        follow.lastKey = undefined;
        this.closeSource(follow);
        this.poll(follow, this.pollInterval);
        break;
    }
  }

  private async authorized(ticket: string | undefined, follow: Follow): Promise<void> {
    this.setState('redeeming');
    if (!ticket && this.creatorSecret) {
      // An event stream cannot send the secret header; where the cookie did not travel, ask with the header.
      try {
        const view: QrLoginStatusView = await this.request(
          'GET',
          `/qrcodes/${encodeURIComponent(this.current!.qrcodeId)}`,
          follow,
        );
        ticket = view.ticket;
      } catch (error) {
        if (isAbort(error) || this.follow !== follow) return;
      }
      if (this.follow !== follow) return;
    }
    if (!ticket) {
      return this.fail(
        new RequestError(
          'QR_TICKET_UNAVAILABLE',
          'The code was confirmed, but this browser got no ticket: only the browser that created the code does (check that its cookie or creatorSecret reaches the server).',
          0,
        ),
        true,
      );
    }
    if (this.options.autoRedeem === false) {
      this.setState('authorized');
      safely(this.options.onAuthorized, undefined, ticket);
      return;
    }
    let result: TResult;
    try {
      result = await this.request('POST', '/login', follow, { ticket });
    } catch (error) {
      if (this.follow === follow) this.fail(error, true);
      return;
    }
    if (this.follow !== follow) return;
    this.setState('authorized');
    safely(this.options.onAuthorized, result, ticket);
  }

  private expired(): void {
    const willRefresh = this.autoRefreshes < this.refreshMax;
    this.setState('expired');
    safely(this.options.onExpired, { willRefresh });
    if (!willRefresh || this.stopped || this.state !== 'expired') return;
    this.autoRefreshes++;
    // A tab nobody looks at gets its new code when it is looked at again.
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') {
      const onVisible = () => {
        if (document.visibilityState === 'hidden') return;
        this.cancelVisibilityWait();
        void this.createCode();
      };
      this.waitingForVisibility = onVisible;
      document.addEventListener('visibilitychange', onVisible);
      return;
    }
    void this.createCode();
  }

  private showCode(fields: Omit<QrLoginCode, 'expiresAt'>): void {
    const code: QrLoginCode = { ...fields, expiresAt: Date.now() + fields.expiresIn * 1000 };
    for (const key of Object.keys(code) as (keyof QrLoginCode)[]) if (code[key] === undefined) delete code[key];
    this.current = code;
    this.renderCode(code);
    safely(this.options.onCode, code);
  }

  private renderCode(code: QrLoginCode): void {
    const container = this.options.container;
    if (!container) return;
    if (!this.view) {
      const doc = container.ownerDocument;
      const image = doc.createElement('img');
      image.className = 'qr-login-image';
      image.alt = this.labels.image;
      const line = (className: string, valueTag: string) => {
        const element = doc.createElement('p');
        element.className = className;
        const label = doc.createElement('span');
        label.className = 'qr-login-label';
        const value = doc.createElement(valueTag);
        value.className = 'qr-login-value';
        element.append(label, ' ', value);
        return { element, label, value };
      };
      const match = line('qr-login-match', 'strong');
      match.label.textContent = this.labels.matchCode;
      const short = line('qr-login-short-code', 'code');
      short.label.textContent = this.labels.shortCode;
      container.classList.add('qr-login');
      container.replaceChildren(image, match.element, short.element);
      this.view = {
        image,
        match: match.element,
        matchValue: match.value,
        short: short.element,
        shortValue: short.value,
      };
    }
    this.view.image.src = code.url;
    this.view.image.dataset.qrcodeId = code.qrcodeId;
    this.view.matchValue.textContent = code.matchCode ?? '';
    this.view.match.hidden = !code.matchCode;
    const typed = code.userCode ?? code.shortCode;
    this.view.shortValue.textContent = typed ?? '';
    this.view.short.hidden = !typed;
  }

  private renderState(status: QrLoginStatus): void {
    const container = this.options.container;
    if (container) container.dataset.qrLoginStatus = status;
  }

  private setState(state: QrLoginState): void {
    this.state = state;
    const container = this.options.container;
    if (container) container.dataset.qrLoginState = state;
  }

  private setTransport(transport: QrLoginTransport): void {
    if (this.transport === transport) return;
    this.transport = transport;
    safely(this.options.onTransport, transport);
  }

  /** Stops reading statuses of this code; requests it still needs (the redemption) go on. */
  private endTransport(follow: Follow): void {
    follow.ended = true;
    this.closeSource(follow);
    clearTimeout(follow.timer);
    follow.timer = undefined;
    this.transport = undefined;
  }

  private closeSource(follow: Follow): void {
    if (!follow.source) return;
    follow.source.onmessage = null;
    follow.source.onerror = null;
    follow.source.close();
    follow.source = undefined;
  }

  private endFollow(): void {
    const follow = this.follow;
    if (!follow) return;
    this.follow = undefined;
    this.endTransport(follow);
    follow.abort.abort();
  }

  private cancelVisibilityWait(): void {
    if (!this.waitingForVisibility) return;
    document.removeEventListener('visibilitychange', this.waitingForVisibility);
    this.waitingForVisibility = undefined;
  }

  private fail(error: unknown, fatal: boolean): void {
    if (isAbort(error)) return;
    if (fatal) {
      const follow = this.follow;
      if (follow) this.endTransport(follow);
      this.setState('failed');
    }
    this.report(error, fatal);
  }

  private report(error: unknown, fatal: boolean): void {
    const known = error instanceof RequestError;
    safely(this.options.onError, {
      code: known ? error.code : 'QR_CLIENT_ERROR',
      message: error instanceof Error ? error.message : String(error),
      ...(known ? { status: error.status } : {}),
      fatal,
    });
  }

  private url(path: string): string {
    return `${this.apiBase}${path}`;
  }

  private async request<T>(method: 'GET' | 'POST', path: string, follow: Follow, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    // Proves this browser created the code even where the cookie does not travel (blocked third-party cookies).
    if (this.creatorSecret && path !== '/qrcodes') headers[SECRET_HEADER] = this.creatorSecret;
    let response: Response;
    try {
      response = await this.fetchFn(this.url(path), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // The creator cookie must go along, cross-origin too: it alone may read and redeem the ticket.
        credentials: 'include',
        signal: follow.abort.signal,
      });
    } catch (error) {
      if (isAbort(error) || follow.abort.signal.aborted) throw error;
      throw new RequestError(
        'QR_NETWORK_ERROR',
        `The server cannot be reached (${error instanceof Error ? error.message : String(error)}).`,
        0,
      );
    }
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch (error) {
      if (isAbort(error) || follow.abort.signal.aborted) throw error;
      parsed = undefined;
    }
    if (response.ok) {
      if (parsed === undefined)
        throw new RequestError(
          'QR_BAD_RESPONSE',
          `${method} ${path} answered ${response.status} without JSON.`,
          response.status,
        );
      return parsed as T;
    }
    const answer = (parsed ?? {}) as { code?: unknown; message?: unknown };
    const message = Array.isArray(answer.message)
      ? answer.message.join(' ')
      : typeof answer.message === 'string'
        ? answer.message
        : `HTTP ${response.status}`;
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new RequestError(
      typeof answer.code === 'string' ? answer.code : `HTTP_${response.status}`,
      message,
      response.status,
      retryAfter > 0 ? retryAfter * 1000 : undefined,
    );
  }
}

/**
 * Starts a QR login: creates a code at once, shows it (in `container` and/or
 * through `onCode`) and follows it until it is authorized, cancelled or
 * expired. Returns a handle to read the state, `refresh()` and `stop()`.
 *
 * ```ts
 * const login = startQrLogin<{ access_token: string }>({
 *   container: document.getElementById('qr'),
 *   onScanned: (user) => (status.textContent = `${user?.displayName} scanned the code`),
 *   onAuthorized: (tokens) => signIn(tokens!.access_token),
 * });
 * ```
 */
export function startQrLogin<TResult = unknown>(options: QrLoginOptions<TResult> = {}): QrLoginHandle {
  const flow = new QrLoginFlow<TResult>(options);
  void flow.createCode();
  return flow;
}

/** Whether no other status can follow this one. */
export function isTerminalQrLoginStatus(status: QrLoginStatus): boolean {
  return TERMINAL.has(status);
}
