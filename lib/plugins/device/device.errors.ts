import { QrLoginException } from '../../plugin';

/** The error codes the device grant's endpoints answer (RFC 6749 §5.2, RFC 8628 §3.5), as `error` in the body. */
export const QrLoginDeviceGrantErrorCode = {
  /** 400: a parameter is missing, repeated or malformed. */
  INVALID_REQUEST: 'invalid_request',
  /** 401: unknown client, or its authentication failed. */
  INVALID_CLIENT: 'invalid_client',
  /** 400: the device code is not one this server issued to this client, or it was redeemed already. */
  INVALID_GRANT: 'invalid_grant',
  /** 400: the token endpoint serves only the device code grant. */
  UNSUPPORTED_GRANT_TYPE: 'unsupported_grant_type',
  /** 400: nobody has confirmed yet; poll again after `interval`. */
  AUTHORIZATION_PENDING: 'authorization_pending',
  /** 400: polled sooner than `interval`; the interval grew by 5 seconds for good. */
  SLOW_DOWN: 'slow_down',
  /** 400: the user cancelled on the phone (or the site refused the login). */
  ACCESS_DENIED: 'access_denied',
  /** 400: the device code's lifetime passed; start over. */
  EXPIRED_TOKEN: 'expired_token',
  /** 429: too many requests from this address; see Retry-After. */
  RATE_LIMITED: 'rate_limited',
  /** 503: the store cannot be reached; retry after Retry-After. */
  TEMPORARILY_UNAVAILABLE: 'temporarily_unavailable',
  /**
   * 400: the DPoP proof (RFC 9449 §5) is missing where the flow is bound to a
   * key, malformed, replayed, too old, for another request, or by another key
   * than the one the device authorization named.
   */
  INVALID_DPOP_PROOF: 'invalid_dpop_proof',
} as const;

export type QrLoginDeviceGrantErrorCode =
  (typeof QrLoginDeviceGrantErrorCode)[keyof typeof QrLoginDeviceGrantErrorCode];

/** The RFC 6749 §5.2 error body. */
export interface QrLoginDeviceGrantErrorBody {
  error: QrLoginDeviceGrantErrorCode;
  error_description: string;
}

/**
 * A refusal of the device grant's endpoints. The module's one exception
 * class, with the body OAuth clients read (`{ error, error_description }`)
 * instead of the native `{ statusCode, code, message }`.
 */
export class QrLoginDeviceGrantException extends QrLoginException {
  declare readonly code: QrLoginDeviceGrantErrorCode;
  /** For 401 after an attempt with the Authorization header: the challenge to send (RFC 6749 §5.2). */
  readonly challenge?: string;

  constructor(
    status: number,
    error: QrLoginDeviceGrantErrorCode,
    description: string,
    options: { retryAfterSeconds?: number; challenge?: string } = {},
  ) {
    super(
      status,
      error,
      description,
      options.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: options.retryAfterSeconds },
    );
    if (options.challenge) this.challenge = options.challenge;
  }

  override getResponse(): QrLoginDeviceGrantErrorBody {
    return { error: this.code, error_description: this.message };
  }
}

const E = QrLoginDeviceGrantErrorCode;

/** Factories for the refusals, so each message is written once. @internal */
export const deviceErrors = {
  invalidRequest: (description: string) => new QrLoginDeviceGrantException(400, E.INVALID_REQUEST, description),
  invalidClient: (basicAttempted: boolean) =>
    new QrLoginDeviceGrantException(
      401,
      E.INVALID_CLIENT,
      'Client authentication failed: send a registered client_id (and its secret as the client is configured: in the body for client_secret_post, as HTTP Basic for client_secret_basic).',
      basicAttempted ? { challenge: 'Basic realm="device"' } : {},
    ),
  invalidGrant: (description: string) => new QrLoginDeviceGrantException(400, E.INVALID_GRANT, description),
  unsupportedGrantType: (grantType: unknown) =>
    new QrLoginDeviceGrantException(
      400,
      E.UNSUPPORTED_GRANT_TYPE,
      `This token endpoint serves only grant_type=urn:ietf:params:oauth:grant-type:device_code; got ${JSON.stringify(String(grantType ?? '')).slice(0, 120)}.`,
    ),
  authorizationPending: () =>
    new QrLoginDeviceGrantException(
      400,
      E.AUTHORIZATION_PENDING,
      'Nobody has confirmed this login yet: poll again after the interval.',
    ),
  slowDown: (intervalSeconds: number) =>
    new QrLoginDeviceGrantException(
      400,
      E.SLOW_DOWN,
      `Polled too soon: wait at least ${intervalSeconds} s between polls from now on.`,
    ),
  accessDenied: () =>
    new QrLoginDeviceGrantException(
      400,
      E.ACCESS_DENIED,
      'The user declined this login (or the site refused it); start a new device flow to try again.',
    ),
  invalidDpopProof: (description: string) => new QrLoginDeviceGrantException(400, E.INVALID_DPOP_PROOF, description),
  expiredToken: () =>
    new QrLoginDeviceGrantException(400, E.EXPIRED_TOKEN, 'This device code has expired; start a new device flow.'),
  rateLimited: (retryAfterSeconds: number) =>
    new QrLoginDeviceGrantException(429, E.RATE_LIMITED, `Too many requests; try again in ${retryAfterSeconds} s.`, {
      retryAfterSeconds,
    }),
  unavailable: (retryAfterSeconds: number) =>
    new QrLoginDeviceGrantException(
      503,
      E.TEMPORARILY_UNAVAILABLE,
      'The login store cannot be reached right now; retry shortly.',
      { retryAfterSeconds },
    ),
};
