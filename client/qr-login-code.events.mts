/*
 * What `<qr-login-code>` tells the page: DOM events named `qr-login-*`,
 * each with the matching callback's arguments as its `detail`.
 */
import type {
  QrLoginBriefUserInfo,
  QrLoginCode,
  QrLoginError,
  QrLoginStatusView,
  QrLoginTransport,
} from './qr-login.types.mjs';

/**
 * The events the element dispatches (bubbling, and `composed`, so they leave
 * any shadow root the element sits in), with their `detail`.
 */
export interface QrLoginCodeEventMap {
  /** A code is on screen: the first, each new one, each rotation. */
  'qr-login-code': CustomEvent<QrLoginCode>;
  /** Each status change of the current code. */
  'qr-login-status': CustomEvent<QrLoginStatusView>;
  /** Someone scanned; `user` is who, as the server lets this page see. */
  'qr-login-scanned': CustomEvent<{ user: QrLoginBriefUserInfo | undefined; view: QrLoginStatusView }>;
  /** Confirmed and redeemed: `result` is the answer of `POST /<prefix>/login` (undefined with `auto-redeem="false"`). */
  'qr-login-authorized': CustomEvent<{ result: unknown; ticket: string }>;
  /** Cancelled on the phone; `reason` is set when not by the user (`MATCH_FAILED`). */
  'qr-login-cancelled': CustomEvent<{ reason: string | undefined }>;
  /** The code expired; `willRefresh` tells whether a new one follows by itself. */
  'qr-login-expired': CustomEvent<{ willRefresh: boolean }>;
  /** A failure; `fatal` ones stopped the login until the refresh button (or `refresh()`). */
  'qr-login-error': CustomEvent<QrLoginError>;
  /** How status changes arrive now. */
  'qr-login-transport': CustomEvent<{ transport: QrLoginTransport }>;
}

/** Dispatches `type` from `target`, bubbling and composed. @internal */
export function emitQrLoginEvent<K extends keyof QrLoginCodeEventMap>(
  target: EventTarget,
  type: K,
  detail: QrLoginCodeEventMap[K]['detail'],
): void {
  target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}
