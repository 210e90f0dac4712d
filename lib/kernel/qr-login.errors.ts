import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * Stable, machine-readable error codes. They are part of the public contract:
 * clients branch on them, so a code is never renamed or reused.
 */
export const QrLoginErrorCode = {
  /** 400: the request body, query or id is malformed. */
  VALIDATION_FAILED: 'QR_VALIDATION_FAILED',
  /** 401: an app-side action without a valid app user token. */
  APP_USER_UNAUTHENTICATED: 'QR_APP_USER_UNAUTHENTICATED',
  /** 401: no ticket in the redeem request. */
  TICKET_MISSING: 'QR_TICKET_MISSING',
  /** 401: the ticket is not one this server issued, or its code is gone. */
  TICKET_INVALID: 'QR_TICKET_INVALID',
  /** 401: the ticket's lifetime (`ticketTtl`) has passed. */
  TICKET_EXPIRED: 'QR_TICKET_EXPIRED',
  /** 401: the ticket was redeemed already; tickets work once. */
  TICKET_USED: 'QR_TICKET_USED',
  /** 401: redeeming needs the creator secret of the browser that created the code. */
  CREATOR_SECRET_REQUIRED: 'QR_CREATOR_SECRET_REQUIRED',
  /** 401: the ticket was good but the `loadUser` hook returned no user. */
  USER_REFUSED: 'QR_USER_REFUSED',
  /** 403: the code was scanned by another user; only that user may confirm or cancel. */
  NOT_SCANNER: 'QR_NOT_SCANNER',
  /** 403: number matching: the phone sent the wrong number; the code was cancelled. */
  MATCH_FAILED: 'QR_MATCH_FAILED',
  /** 400: number matching is on and the confirm carried no `matchCode`. */
  MATCH_REQUIRED: 'QR_MATCH_REQUIRED',
  /** 403: the app's risk policy refused this scan (e.g. the browser is far from the phone); the code was cancelled. */
  RISK_DENIED: 'QR_RISK_DENIED',
  /** 403: the page creating a code is not on the `allowedOrigins` list (or sent no Origin while one is required). */
  ORIGIN_NOT_ALLOWED: 'QR_ORIGIN_NOT_ALLOWED',
  /** 429: too many requests from this IP or user; see the Retry-After header. */
  RATE_LIMITED: 'QR_RATE_LIMITED',
  /** 404: no such code. */
  NOT_FOUND: 'QR_NOT_FOUND',
  /** 409: the action does not fit the code's status (e.g. CONFIRM before SCAN, anything after a terminal status). */
  WRONG_STATE: 'QR_WRONG_STATE',
  /** 409: the code was scanned by another user first. */
  ALREADY_SCANNED: 'QR_ALREADY_SCANNED',
  /** 410: the code's lifetime (`qrCodeTtl`) has passed. */
  EXPIRED: 'QR_EXPIRED',
  /** 413: `customData` or `context` is larger than allowed. */
  PAYLOAD_TOO_LARGE: 'QR_PAYLOAD_TOO_LARGE',
  /** 503: the store (e.g. Redis) cannot be reached; retry later. */
  STORE_UNAVAILABLE: 'QR_STORE_UNAVAILABLE',
} as const;

export type QrLoginErrorCode = (typeof QrLoginErrorCode)[keyof typeof QrLoginErrorCode];

/** The JSON body of every error this module answers. */
export interface QrLoginErrorBody {
  statusCode: number;
  code: QrLoginErrorCode;
  message: string;
}

/**
 * An HTTP error with a stable `code`. Nest's default exception filter sends
 * its body as is, so no filter has to be registered by the app.
 */
export class QrLoginException extends HttpException {
  readonly code: QrLoginErrorCode;

  constructor(status: HttpStatus, code: QrLoginErrorCode, message: string) {
    super({ statusCode: status, code, message } satisfies QrLoginErrorBody, status);
    this.code = code;
  }
}

/** Thrown while the module starts when its options cannot work; the message says how to fix them. */
export class QrLoginConfigError extends Error {
  constructor(message: string) {
    super(`QrLoginModule is misconfigured: ${message}`);
    this.name = 'QrLoginConfigError';
  }
}

/** Thrown by a store that cannot reach its backend; answered as 503 `QR_STORE_UNAVAILABLE`. */
export class QrLoginStoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QrLoginStoreUnavailableError';
  }
}

const E = QrLoginErrorCode;
const S = HttpStatus;

/** Factories for the errors the service throws, so each message is written once. */
export const qrErrors = {
  validation: (message: string) => new QrLoginException(S.BAD_REQUEST, E.VALIDATION_FAILED, message),
  notFound: () =>
    new QrLoginException(S.NOT_FOUND, E.NOT_FOUND, 'No QR code has this id. Create a new one with POST /qrcodes.'),
  expired: () =>
    new QrLoginException(S.GONE, E.EXPIRED, 'This QR code has expired. Show a new one (POST /qrcodes) and scan again.'),
  wrongState: (status: string, action: string) =>
    new QrLoginException(
      S.CONFLICT,
      E.WRONG_STATE,
      `Cannot ${action} a QR code whose status is ${status}. ${action === 'SCAN' ? '' : 'SCAN it first; '}CONFIRM and CANCEL follow a SCAN, and nothing follows AUTHORIZED or CANCELLED.`,
    ),
  alreadyScanned: () =>
    new QrLoginException(S.CONFLICT, E.ALREADY_SCANNED, 'This QR code was already scanned by another user.'),
  notScanner: () =>
    new QrLoginException(S.FORBIDDEN, E.NOT_SCANNER, 'Only the user who scanned this QR code may confirm or cancel it.'),
  appUserUnauthenticated: () =>
    new QrLoginException(
      S.UNAUTHORIZED,
      E.APP_USER_UNAUTHENTICATED,
      'The app-side actions need a logged-in app user: send the app access token as "Authorization: Bearer <token>".',
    ),
  ticketMissing: () =>
    new QrLoginException(S.UNAUTHORIZED, E.TICKET_MISSING, 'Send the ticket of an AUTHORIZED QR code as "ticket" in the JSON body.'),
  ticketInvalid: () =>
    new QrLoginException(S.UNAUTHORIZED, E.TICKET_INVALID, 'This ticket is not valid. Start a new QR login.'),
  ticketExpired: () =>
    new QrLoginException(S.UNAUTHORIZED, E.TICKET_EXPIRED, 'This ticket has expired; redeem tickets as soon as the code is AUTHORIZED.'),
  ticketUsed: () =>
    new QrLoginException(S.UNAUTHORIZED, E.TICKET_USED, 'This ticket was already redeemed; a ticket works once.'),
  creatorSecretRequired: () =>
    new QrLoginException(
      S.UNAUTHORIZED,
      E.CREATOR_SECRET_REQUIRED,
      'Only the browser that created the QR code may redeem its ticket: send its cookie, or its creatorSecret in the x-qr-login-secret header.',
    ),
  userRefused: () =>
    new QrLoginException(
      S.UNAUTHORIZED,
      E.USER_REFUSED,
      'The confirmed user could not be loaded (loadUser returned nothing); the account may be disabled.',
    ),
  payloadTooLarge: (field: string, limit: number) =>
    new QrLoginException(
      S.PAYLOAD_TOO_LARGE,
      E.PAYLOAD_TOO_LARGE,
      `"${field}" is larger than ${limit} bytes of JSON; keep it small or raise the maxCustomDataBytes option.`,
    ),
  matchFailed: () =>
    new QrLoginException(
      S.FORBIDDEN,
      E.MATCH_FAILED,
      'The number picked does not match the one on the login page, so this QR code was cancelled. Scan a new one and pick the number the page shows.',
    ),
  matchRequired: () =>
    new QrLoginException(
      S.BAD_REQUEST,
      E.MATCH_REQUIRED,
      'Send the number shown on the login page as "matchCode" to confirm (number matching is on).',
    ),
  rateLimited: (retryAfterSeconds: number) =>
    new QrLoginException(
      S.TOO_MANY_REQUESTS,
      E.RATE_LIMITED,
      `Too many requests; try again in ${retryAfterSeconds} s.`,
    ),
  storeUnavailable: () =>
    new QrLoginException(
      S.SERVICE_UNAVAILABLE,
      E.STORE_UNAVAILABLE,
      'The QR login store is unreachable right now; retry in a moment.',
    ),
};
