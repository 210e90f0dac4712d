/*
 * The browser side of nestjs-qr-login: creates a code, shows it, follows its
 * status (Server-Sent Events, or polling where those are unavailable),
 * replaces an expired code and redeems the ticket once the phone confirms.
 *
 * This file is the login's state: each status moves it on, a terminal one
 * ends the code, an expiry brings a new code by itself (`qr-login.refresh`).
 * Requests are `qr-login.api`'s, status reads `qr-login.transport`'s, the
 * container's nodes `qr-login.view`'s.
 *
 * No framework and no dependency: only `fetch`, `EventSource`, `AbortController`
 * and, when a container is given, a few DOM calls.
 */
import { isAbort, QrLoginApi, readCreated, RequestError, type CodeFields } from './qr-login.api.mjs';
import { CodeFollow, type FollowSettings } from './qr-login.transport.mjs';
import type {
  QrLoginCode,
  QrLoginHandle,
  QrLoginOptions,
  QrLoginState,
  QrLoginStatus,
  QrLoginStatusView,
  QrLoginTransport,
} from './qr-login.types.mjs';
import { QrLoginAutoRefresh } from './qr-login.refresh.mjs';
import { QrLoginContainerView } from './qr-login.view.mjs';

const DEFAULT_POLL_INTERVAL_MS = 1500;
const TERMINAL: ReadonlySet<QrLoginStatus> = new Set(['AUTHORIZED', 'CANCELLED', 'EXPIRED', 'ERROR']);

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
  private readonly api: QrLoginApi;
  private readonly followSettings: FollowSettings;
  private readonly autoRefresh: QrLoginAutoRefresh;
  private readonly view: QrLoginContainerView;
  private follow: CodeFollow | undefined;
  private stopped = false;

  current: QrLoginCode | undefined;
  state: QrLoginState = 'creating';
  transport: QrLoginTransport | undefined;

  constructor(private readonly options: QrLoginOptions<TResult>) {
    this.api = new QrLoginApi(options);
    const interval = options.pollInterval ?? DEFAULT_POLL_INTERVAL_MS;
    if (!(interval > 0))
      throw new RangeError(
        `pollInterval must be a positive number of milliseconds; got ${String(options.pollInterval)}.`,
      );
    this.followSettings = {
      wanted: options.transport ?? 'auto',
      EventSource: options.EventSource ?? (typeof EventSource === 'function' ? EventSource : undefined),
      pollInterval: interval,
    };
    this.autoRefresh = new QrLoginAutoRefresh(options.autoRefresh);
    this.view = new QrLoginContainerView(options.container, options.labels);
  }

  refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.autoRefresh.reset();
    return this.createCode();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.endFollow();
    this.autoRefresh.cancel();
    this.setState('stopped');
  }

  /** Drops whatever follows the current code, then creates and follows a new one. */
  async createCode(): Promise<void> {
    this.endFollow();
    this.autoRefresh.cancel();
    const follow = new CodeFollow(this.api, this.followSettings, {
      view: (view) => this.onView(view, follow),
      transport: (transport) => this.setTransport(transport),
      problem: (error, fatal) => this.fail(error, fatal),
    });
    this.follow = follow;
    this.setState('creating');
    const body: Record<string, unknown> = {};
    if (this.options.customData !== undefined) body.customData = this.options.customData;
    if (this.options.context !== undefined) body.context = this.options.context;
    let created: ReturnType<typeof readCreated>;
    try {
      created = readCreated(await this.api.request('POST', '/qrcodes', follow.abort.signal, body));
    } catch (error) {
      if (!follow.dropped) this.fail(error, true);
      return;
    }
    if (follow.dropped) return;
    if (!created) {
      const message =
        'The server answered the code creation without qrcodeId and url; is baseUrl/routePrefix pointing at nestjs-qr-login?';
      return this.fail(new RequestError('QR_BAD_RESPONSE', message, 201), true);
    }
    this.api.creatorSecret = created.secret;
    this.showCode(created.code);
    this.setState('pending');
    follow.start(created.code.qrcodeId);
  }

  private onView(view: QrLoginStatusView, follow: CodeFollow): void {
    const current = this.current!;
    if (view.rotatedFrom && typeof view.url === 'string' && view.qrcodeId !== current.qrcodeId) {
      follow.qrcodeId = view.qrcodeId;
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
    if (!follow.isNews(view)) return;
    this.view.showStatus(view.status);
    safely(this.options.onStatus, view);
    if (follow.dropped) return;
    switch (view.status) {
      case 'PENDING':
        this.setState('pending');
        break;
      case 'SCANNED':
        // Someone is at it: the page is in use.
        this.autoRefresh.reset();
        this.setState('scanned');
        safely(this.options.onScanned, view.briefUserInfo, view);
        break;
      case 'AUTHORIZED':
        this.stopReading(follow);
        void this.authorized(view.ticket, follow);
        break;
      case 'CANCELLED':
        this.stopReading(follow);
        this.setState('cancelled');
        safely(this.options.onCancelled, view.cancelReason);
        break;
      case 'EXPIRED':
        this.stopReading(follow);
        this.expired();
        break;
      case 'ERROR':
        // The stream ended on a server-side failure (a store outage); polling retries until it recovers.
        this.fail(new RequestError(view.code ?? 'QR_ERROR', view.message ?? 'The server reported an error.', 0), false);
        follow.recover();
        break;
    }
  }

  private async authorized(ticket: string | undefined, follow: CodeFollow): Promise<void> {
    this.setState('redeeming');
    if (!ticket && this.api.creatorSecret) {
      // An event stream cannot send the secret header; where the cookie did not travel, ask with the header.
      try {
        const path = this.api.codePath(this.current!.qrcodeId);
        ticket = (await this.api.request<QrLoginStatusView>('GET', path, follow.abort.signal)).ticket;
      } catch (error) {
        if (isAbort(error) || follow.dropped) return;
      }
      if (follow.dropped) return;
    }
    if (!ticket) {
      const message =
        'The code was confirmed, but this browser got no ticket: only the browser that created the code does (check that its cookie or creatorSecret reaches the server).';
      return this.fail(new RequestError('QR_TICKET_UNAVAILABLE', message, 0), true);
    }
    if (this.options.autoRedeem === false) {
      this.setState('authorized');
      safely(this.options.onAuthorized, undefined, ticket);
      return;
    }
    let result: TResult;
    try {
      result = await this.api.request('POST', '/login', follow.abort.signal, { ticket });
    } catch (error) {
      if (!follow.dropped) this.fail(error, true);
      return;
    }
    if (follow.dropped) return;
    this.setState('authorized');
    safely(this.options.onAuthorized, result, ticket);
  }

  private expired(): void {
    const willRefresh = this.autoRefresh.willRefresh;
    this.setState('expired');
    safely(this.options.onExpired, { willRefresh });
    if (!willRefresh || this.stopped || this.state !== 'expired') return;
    this.autoRefresh.replace(() => void this.createCode());
  }

  private showCode(fields: CodeFields): void {
    const code: QrLoginCode = { ...fields, expiresAt: Date.now() + fields.expiresIn * 1000 };
    for (const key of Object.keys(code) as (keyof QrLoginCode)[]) if (code[key] === undefined) delete code[key];
    this.current = code;
    this.view.showCode(code);
    safely(this.options.onCode, code);
  }

  private setState(state: QrLoginState): void {
    this.state = state;
    this.view.showState(state);
  }

  private setTransport(transport: QrLoginTransport): void {
    if (this.transport === transport) return;
    this.transport = transport;
    safely(this.options.onTransport, transport);
  }

  /** Stops reading statuses of this code; requests it still needs (the redemption) go on. */
  private stopReading(follow: CodeFollow): void {
    follow.stopReading();
    this.transport = undefined;
  }

  private endFollow(): void {
    const follow = this.follow;
    if (!follow) return;
    this.follow = undefined;
    follow.end();
    this.transport = undefined;
  }

  /** Reports a failure; a `fatal` one also ends the current code's status reads. */
  private fail(error: unknown, fatal: boolean): void {
    if (isAbort(error)) return;
    if (fatal) {
      if (this.follow) this.stopReading(this.follow);
      this.setState('failed');
    }
    const known = error instanceof RequestError;
    safely(this.options.onError, {
      code: known ? error.code : 'QR_CLIENT_ERROR',
      message: error instanceof Error ? error.message : String(error),
      ...(known ? { status: error.status } : {}),
      fatal,
    });
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
