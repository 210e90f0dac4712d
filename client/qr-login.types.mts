/*
 * What `nestjs-qr-login/client` speaks in: the server's status views, the
 * code on screen, failures, the options of `startQrLogin` and its handle.
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
  /**
   * Bind each code to a key this tab holds (DPoP, RFC 9449): a non-extractable
   * P-256 key made by WebCrypto signs a proof for every request, so a stolen
   * cookie or creatorSecret cannot read the ticket or redeem it. Default
   * `true`; browsers without WebCrypto fall back to the secret by themselves.
   */
  dpop?: boolean;
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
