import { HttpException, HttpStatus } from '@nestjs/common';
import { QrLoginErrorCode, QrLoginException, toHttpError } from '../../plugin';

/**
 * Error codes only the GenAuth compatible routes produce. Like
 * `QrLoginErrorCode`, they are a contract: never renamed or reused.
 */
export const QrLoginGenAuthErrorCode = {
  /** 401: the ticket exchange's client authentication (client_secret_post / client_secret_basic) failed. */
  CLIENT_UNAUTHENTICATED: 'QR_CLIENT_UNAUTHENTICATED',
  /** 403: `x-authing-app-id` differs from QrLoginGenAuthModule's `appId` option. */
  APP_ID_MISMATCH: 'QR_APP_ID_MISMATCH',
  /** 500: the token set hook returned something that is not a token set. */
  TOKEN_SET_INVALID: 'QR_TOKEN_SET_INVALID',
} as const;

export type QrLoginGenAuthErrorCode = (typeof QrLoginGenAuthErrorCode)[keyof typeof QrLoginGenAuthErrorCode];

/** An error of the compatible routes: a `QrLoginException` with one of `QrLoginGenAuthErrorCode`. */
export class QrLoginGenAuthException extends QrLoginException {
  declare readonly code: QrLoginGenAuthErrorCode;

  constructor(status: HttpStatus, code: QrLoginGenAuthErrorCode, message: string) {
    super(status, code, message);
  }
}

const E = QrLoginGenAuthErrorCode;

/** @internal */
export const genAuthErrors = {
  clientUnauthenticated: (method: string) =>
    new QrLoginGenAuthException(
      HttpStatus.UNAUTHORIZED,
      E.CLIENT_UNAUTHENTICATED,
      method === 'client_secret_basic'
        ? 'Client authentication failed: send "Authorization: Basic base64(client_id:client_secret)" with this app\'s credentials (AuthenticationClient with appId, appSecret and tokenEndPointAuthMethod "client_secret_basic").'
        : "Client authentication failed: send this app's client_id and client_secret in the JSON body (exchangeTokenSetWithQrCodeTicket({ ticket, client_id, client_secret })).",
    ),
  appIdMismatch: () =>
    new QrLoginGenAuthException(
      HttpStatus.FORBIDDEN,
      E.APP_ID_MISMATCH,
      'The x-authing-app-id header does not name this app: initialise the SDK with the appId configured in QrLoginGenAuthModule.',
    ),
  tokenSetInvalid: (detail: string) =>
    new QrLoginGenAuthException(
      HttpStatus.INTERNAL_SERVER_ERROR,
      E.TOKEN_SET_INVALID,
      `The server's token set hook ${detail}; make issueTokenSet (of QrLoginModule or QrLoginGenAuthModule) return { access_token, expires_in, token_type? }.`,
    ),
};

/** What a failure becomes in either envelope. @internal */
export interface GenAuthFailure {
  /** HTTP-style status of the failure (400, 401, 404, …). */
  status: number;
  /** This module's stable error code, when it has one. */
  code?: string;
  message: string;
}

/**
 * Reads any thrown value as a failure. HTTP exceptions keep their status and
 * message (the app's own strategies may throw them); anything else is a 500
 * whose details stay in the server log.
 * @internal
 */
export function failureOf(thrown: unknown): GenAuthFailure {
  const error = toHttpError(thrown);
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse();
    if (body !== null && typeof body === 'object') {
      const { code, message } = body as { code?: unknown; message?: unknown };
      const text = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : error.message;
      return { status, ...(typeof code === 'string' ? { code } : {}), message: text };
    }
    return { status, message: typeof body === 'string' ? body : error.message };
  }
  return {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    message: 'Internal server error; the server log has the details.',
  };
}

/**
 * V2's numeric `code`: the two GenAuth documents for the QR flow (2241 "QR
 * code does not exist", 2020 "not logged in"), else the HTTP-style status.
 * @internal
 */
export function v2CodeOf(failure: GenAuthFailure): number {
  if (failure.code === QrLoginErrorCode.NOT_FOUND) return 2241;
  if (failure.code === QrLoginErrorCode.APP_USER_UNAUTHENTICATED) return 2020;
  return failure.status;
}
