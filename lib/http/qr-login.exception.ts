import { HttpException, HttpStatus } from '@nestjs/common';
import {
  QrLoginError,
  QrLoginErrorCode,
  QrLoginStoreFullError,
  QrLoginStoreUnavailableError,
  qrErrors,
} from '../kernel/qr-login.errors';

/** The JSON body of every error the module's routes answer. */
export interface QrLoginErrorBody {
  statusCode: number;
  /** Stable, machine-readable: `QrLoginErrorCode`, or a plugin's own code (GenAuth, WeChat, device grant). */
  code: string;
  message: string;
}

/**
 * The one HTTP exception class of the module: the core's routes, GenAuth
 * compatibility and WeChat all answer `{ statusCode, code, message }` through
 * it (plugins subclass it for their own codes). Nest's default exception
 * filter sends its body as is, so an app registers no filter.
 */
export class QrLoginException extends HttpException {
  readonly code: string;
  /** Seconds to send as `Retry-After`, for 429 and 503 answers. */
  readonly retryAfterSeconds?: number;

  constructor(
    status: HttpStatus | number,
    code: string,
    message: string,
    options: { retryAfterSeconds?: number } = {},
  ) {
    super({ statusCode: status, code, message } satisfies QrLoginErrorBody, status);
    this.code = code;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

const S = HttpStatus;

/** The HTTP status of each kernel refusal: the only place where the kernel's codes meet HTTP. */
const STATUS_OF: Record<QrLoginErrorCode, number> = {
  QR_VALIDATION_FAILED: S.BAD_REQUEST,
  QR_APP_USER_UNAUTHENTICATED: S.UNAUTHORIZED,
  QR_TICKET_MISSING: S.UNAUTHORIZED,
  QR_TICKET_INVALID: S.UNAUTHORIZED,
  QR_TICKET_EXPIRED: S.UNAUTHORIZED,
  QR_TICKET_USED: S.UNAUTHORIZED,
  QR_CREATOR_SECRET_REQUIRED: S.UNAUTHORIZED,
  QR_DPOP_PROOF_REQUIRED: S.UNAUTHORIZED,
  QR_DPOP_KEY_MISMATCH: S.UNAUTHORIZED,
  QR_DPOP_INVALID: S.UNAUTHORIZED,
  QR_DPOP_METHOD_MISMATCH: S.UNAUTHORIZED,
  QR_DPOP_URL_MISMATCH: S.UNAUTHORIZED,
  QR_DPOP_EXPIRED: S.UNAUTHORIZED,
  QR_DPOP_REPLAYED: S.UNAUTHORIZED,
  QR_DPOP_TOKEN_MISMATCH: S.UNAUTHORIZED,
  QR_USER_REFUSED: S.UNAUTHORIZED,
  QR_NOT_SCANNER: S.FORBIDDEN,
  QR_MATCH_FAILED: S.FORBIDDEN,
  QR_MATCH_REQUIRED: S.BAD_REQUEST,
  QR_USER_CODE_REQUIRED: S.FORBIDDEN,
  QR_RATE_LIMITED: S.TOO_MANY_REQUESTS,
  QR_NOT_FOUND: S.NOT_FOUND,
  QR_USER_CODE_NOT_FOUND: S.NOT_FOUND,
  QR_WRONG_STATE: S.CONFLICT,
  QR_ALREADY_SCANNED: S.CONFLICT,
  QR_EXPIRED: S.GONE,
  QR_PAYLOAD_TOO_LARGE: S.PAYLOAD_TOO_LARGE,
  QR_STORE_UNAVAILABLE: S.SERVICE_UNAVAILABLE,
  QR_STORE_FULL: S.SERVICE_UNAVAILABLE,
  QR_RISK_DENIED: S.FORBIDDEN,
  QR_ORIGIN_NOT_ALLOWED: S.FORBIDDEN,
  QR_PASSKEY_REQUIRED: S.FORBIDDEN,
  QR_PASSKEY_INVALID: S.FORBIDDEN,
  QR_PASSKEY_REPLAYED: S.FORBIDDEN,
  QR_PASSKEY_COUNTER: S.FORBIDDEN,
  QR_PASSKEY_REGISTRATION_CLOSED: S.FORBIDDEN,
  QR_PASSKEY_REGISTRATION_FAILED: S.BAD_REQUEST,
  QR_PASSKEYS_DISABLED: S.NOT_FOUND,
};

/** The HTTP status the routes answer for a kernel error code. */
export function httpStatusOf(code: QrLoginErrorCode): number {
  return STATUS_OF[code] ?? S.INTERNAL_SERVER_ERROR;
}

/**
 * Turns what the kernel (or a store) threw into what the HTTP edge answers:
 * kernel refusals keep their code and message with their status; a store that
 * cannot serve is a 503. Anything else is returned as it is (an app's own
 * HTTP errors keep their meaning; the rest is Nest's 500).
 */
export function toHttpError(error: unknown): unknown {
  if (error instanceof QrLoginError) {
    const retry = error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds };
    return new QrLoginException(httpStatusOf(error.code), error.code, error.message, retry);
  }
  if (error instanceof QrLoginStoreUnavailableError) return toHttpError(qrErrors.storeUnavailable());
  if (error instanceof QrLoginStoreFullError)
    return toHttpError(qrErrors.storeFull(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
  return error;
}
