/**
 * Codes the app client gives failures that have no answer from the module:
 * the server was not reached, or answered something that is not the module's.
 */
export const QR_LOGIN_APP_CLIENT_CODES = {
  /** The request did not reach the server (offline, DNS, TLS, CORS) or was aborted; `status` is 0. */
  network: 'QR_NETWORK_ERROR',
  /** A success status without the JSON the module sends: `baseUrl` or `routePrefix` likely points elsewhere. */
  badResponse: 'QR_BAD_RESPONSE',
  /** The server derived another passkey challenge than the phone did from what it showed: nothing was signed. */
  passkeyMismatch: 'QR_PASSKEY_DESCRIPTION_MISMATCH',
} as const;

/**
 * A failed phone-side call. `code` is the module's stable error code
 * (`QR_EXPIRED`, `QR_ALREADY_SCANNED`, `QR_MATCH_FAILED`, …), `HTTP_<status>`
 * for an error answer that is not the module's (a missing route, a proxy), or
 * one of `QR_LOGIN_APP_CLIENT_CODES`. Branch on `code`, never on `message`.
 */
export class QrLoginAppError extends Error {
  override readonly name = 'QrLoginAppError';

  constructor(
    /** Stable machine-readable code. */
    readonly code: string,
    /** The server's message (for developers), or the client's. */
    message: string,
    /** HTTP status; 0 when no answer arrived. */
    readonly status: number,
    /** Seconds the server asked to wait (`Retry-After`), on 429 and 503. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  /** Worth sending again unchanged: no answer, throttled, or a server-side failure. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/**
 * Whether `error` is a `QrLoginAppError` (with `code`, when given). Checks the
 * shape rather than `instanceof`, which fails when a bundler ends up with two
 * copies of this module.
 */
export function isQrLoginAppError(error: unknown, code?: string): error is QrLoginAppError {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { name?: unknown; code?: unknown; status?: unknown };
  if (
    candidate.name !== 'QrLoginAppError' ||
    typeof candidate.code !== 'string' ||
    typeof candidate.status !== 'number'
  )
    return false;
  return code === undefined || candidate.code === code;
}
