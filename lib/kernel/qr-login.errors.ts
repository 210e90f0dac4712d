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
  /** 401: the code is bound to its creator's key: send a DPoP proof signed by that key (the secret alone is refused). */
  DPOP_PROOF_REQUIRED: 'QR_DPOP_PROOF_REQUIRED',
  /** 401: the DPoP proof is valid but signed by another key than the one the code is bound to. */
  DPOP_KEY_MISMATCH: 'QR_DPOP_KEY_MISMATCH',
  /** 401: the DPoP proof is malformed: not a `dpop+jwt` JWS with an accepted alg, a public `jwk`, a good signature and a `jti`. */
  DPOP_INVALID: 'QR_DPOP_INVALID',
  /** 401: the DPoP proof's `htm` is not this request's method. */
  DPOP_METHOD_MISMATCH: 'QR_DPOP_METHOD_MISMATCH',
  /** 401: the DPoP proof's `htu` is not this request's URL (scheme, host and path, as the app sees them). */
  DPOP_URL_MISMATCH: 'QR_DPOP_URL_MISMATCH',
  /** 401: the DPoP proof's `iat` is outside the accepted window (`dpopProofLifetime`); make a fresh proof. */
  DPOP_EXPIRED: 'QR_DPOP_EXPIRED',
  /** 401: this DPoP proof's `jti` was used already; every request needs a fresh proof. */
  DPOP_REPLAYED: 'QR_DPOP_REPLAYED',
  /** 401: the DPoP proof's `ath` is not the hash of the access token the request presents. */
  DPOP_TOKEN_MISMATCH: 'QR_DPOP_TOKEN_MISMATCH',
  /** 401: the ticket was good but the `loadUser` hook returned no user. */
  USER_REFUSED: 'QR_USER_REFUSED',
  /** 403: the code was scanned by another user; only that user may confirm or cancel. */
  NOT_SCANNER: 'QR_NOT_SCANNER',
  /** 403: number matching: the phone sent the wrong number; the code was cancelled. */
  MATCH_FAILED: 'QR_MATCH_FAILED',
  /**
   * 403: this code (a device flow) is reachable only through its user code:
   * scan, confirm and cancel it with the `user-codes/*` routes, never by its id.
   */
  USER_CODE_REQUIRED: 'QR_USER_CODE_REQUIRED',
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
  /** 404: no live code has this user code (typed or read from a link); counted against the user's rate limit. */
  USER_CODE_NOT_FOUND: 'QR_USER_CODE_NOT_FOUND',
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
  /** 503: the in-memory store holds as many live codes as it may (`maxCodes`); retry after `Retry-After`. */
  STORE_FULL: 'QR_STORE_FULL',
  /** 403: this code must be approved with the phone's passkey: confirm with a WebAuthn assertion (`passkey`). */
  PASSKEY_REQUIRED: 'QR_PASSKEY_REQUIRED',
  /** 403: the assertion did not verify for this code, its description and number; the code was cancelled. */
  PASSKEY_INVALID: 'QR_PASSKEY_INVALID',
  /** 403: this assertion was used before; each counts once. The code was cancelled. */
  PASSKEY_REPLAYED: 'QR_PASSKEY_REPLAYED',
  /** 403: the passkey's signature counter did not advance (a cloned authenticator?); the code was cancelled. */
  PASSKEY_COUNTER: 'QR_PASSKEY_COUNTER',
  /** 403: the app does not let this user register a passkey now (`passkeys.mayRegister`; by default only a first one). */
  PASSKEY_REGISTRATION_CLOSED: 'QR_PASSKEY_REGISTRATION_CLOSED',
  /** 400: a passkey registration that did not verify (expired or foreign challenge, wrong origin, no user verification). */
  PASSKEY_REGISTRATION_FAILED: 'QR_PASSKEY_REGISTRATION_FAILED',
  /** 404: passkeys are not set up on this server (the `passkeys` module option). */
  PASSKEYS_DISABLED: 'QR_PASSKEYS_DISABLED',
} as const;

export type QrLoginErrorCode = (typeof QrLoginErrorCode)[keyof typeof QrLoginErrorCode];

/**
 * A refusal decided by the kernel: a plain error with a stable `code`, no
 * HTTP in it. The HTTP edge maps it to a status and a JSON body in one place
 * (`QrLoginException`); an app calling `QrLoginService` directly can branch
 * on `code` alone.
 */
export class QrLoginError extends Error {
  readonly code: QrLoginErrorCode;
  /** For `QR_RATE_LIMITED` and `QR_STORE_FULL`: seconds after which a retry may succeed. */
  readonly retryAfterSeconds?: number;

  constructor(code: QrLoginErrorCode, message: string, options: { retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'QrLoginError';
    this.code = code;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
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

/**
 * Thrown by a store's `create` when it holds as many live codes as it may
 * (the memory store's `maxCodes`); answered as 503 `QR_STORE_FULL` with
 * `Retry-After`. Existing codes are untouched.
 */
export class QrLoginStoreFullError extends Error {
  /** When a slot is expected to free up, in ms from now. */
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super(message);
    this.name = 'QrLoginStoreFullError';
    this.retryAfterMs = retryAfterMs;
  }
}

const E = QrLoginErrorCode;

/** Factories for the errors the kernel throws, so each message is written once. */
export const qrErrors = {
  validation: (message: string) => new QrLoginError(E.VALIDATION_FAILED, message),
  notFound: () => new QrLoginError(E.NOT_FOUND, 'No QR code has this id. Create a new one with POST /qrcodes.'),
  userCodeNotFound: () =>
    new QrLoginError(
      E.USER_CODE_NOT_FOUND,
      'No live login code has this user code: check it against the screen (8 letters such as WDJB-MJHT), or show a new code there.',
    ),
  expired: () =>
    new QrLoginError(E.EXPIRED, 'This QR code has expired. Show a new one (POST /qrcodes) and scan again.'),
  wrongState: (status: string, action: string) =>
    new QrLoginError(
      E.WRONG_STATE,
      `Cannot ${action} a QR code whose status is ${status}. ${action === 'SCAN' ? '' : 'SCAN it first; '}CONFIRM and CANCEL follow a SCAN, and nothing follows AUTHORIZED or CANCELLED.`,
    ),
  alreadyScanned: () => new QrLoginError(E.ALREADY_SCANNED, 'This QR code was already scanned by another user.'),
  notScanner: () => new QrLoginError(E.NOT_SCANNER, 'Only the user who scanned this QR code may confirm or cancel it.'),
  appUserUnauthenticated: () =>
    new QrLoginError(
      E.APP_USER_UNAUTHENTICATED,
      'The app-side actions need a logged-in app user: send the app access token as "Authorization: Bearer <token>".',
    ),
  ticketMissing: () =>
    new QrLoginError(E.TICKET_MISSING, 'Send the ticket of an AUTHORIZED QR code as "ticket" in the JSON body.'),
  ticketInvalid: () => new QrLoginError(E.TICKET_INVALID, 'This ticket is not valid. Start a new QR login.'),
  ticketExpired: () =>
    new QrLoginError(E.TICKET_EXPIRED, 'This ticket has expired; redeem tickets as soon as the code is AUTHORIZED.'),
  ticketUsed: () => new QrLoginError(E.TICKET_USED, 'This ticket was already redeemed; a ticket works once.'),
  creatorSecretRequired: () =>
    new QrLoginError(
      E.CREATOR_SECRET_REQUIRED,
      'Only the browser that created the QR code may redeem its ticket: send its cookie, or its creatorSecret in the x-qr-login-secret header.',
    ),
  dpopProofRequired: () =>
    new QrLoginError(
      E.DPOP_PROOF_REQUIRED,
      'This QR code is bound to the key of the browser that created it: send a DPoP header (RFC 9449) signed by that key; its cookie or creatorSecret alone is not enough.',
    ),
  dpopKeyMismatch: () =>
    new QrLoginError(
      E.DPOP_KEY_MISMATCH,
      'The DPoP proof is signed by another key than the one this QR code (or token) is bound to; sign with the key that created it.',
    ),
  /** A DPoP proof the HTTP edge refused (`QR_DPOP_*`), with the reason in words. */
  dpop: (code: QrLoginErrorCode, message: string) => new QrLoginError(code, message),
  userRefused: () =>
    new QrLoginError(
      E.USER_REFUSED,
      'The confirmed user could not be loaded (loadUser returned nothing); the account may be disabled.',
    ),
  payloadTooLarge: (field: string, limit: number) =>
    new QrLoginError(
      E.PAYLOAD_TOO_LARGE,
      `"${field}" is larger than ${limit} bytes of JSON; keep it small or raise the maxCustomDataBytes option.`,
    ),
  matchFailed: () =>
    new QrLoginError(
      E.MATCH_FAILED,
      'The number picked does not match the one on the login page, so this QR code was cancelled. Scan a new one and pick the number the page shows.',
    ),
  userCodeRequired: () =>
    new QrLoginError(
      E.USER_CODE_REQUIRED,
      'This code signs in a device and is reached only through the user code shown on that device: ' +
        'type the code (POST /<prefix>/user-codes/scan, then user-codes/confirm or user-codes/cancel), never its id.',
    ),
  userCodeMatchRequired: () =>
    new QrLoginError(
      E.MATCH_REQUIRED,
      'This device code came by a link: send the user code the device shows, picked from "matchChoices", as "matchCode" to confirm.',
    ),
  userCodeMatchFailed: () =>
    new QrLoginError(
      E.MATCH_FAILED,
      'The code picked is not the one on the device, so this sign-in was cancelled. If the device is in front of you, start again there.',
    ),
  matchRequired: () =>
    new QrLoginError(
      E.MATCH_REQUIRED,
      'Send the number shown on the login page as "matchCode" to confirm (number matching is on).',
    ),
  rateLimited: (retryAfterSeconds: number) =>
    new QrLoginError(E.RATE_LIMITED, `Too many requests; try again in ${retryAfterSeconds} s.`, { retryAfterSeconds }),
  storeFull: (retryAfterSeconds: number) =>
    new QrLoginError(
      E.STORE_FULL,
      `This server holds as many live QR codes as it may; try again in ${retryAfterSeconds} s, or raise the memory store's maxCodes (or use a shared store).`,
      { retryAfterSeconds },
    ),
  riskDenied: () =>
    new QrLoginError(
      E.RISK_DENIED,
      'This login was refused for safety: the page asking to log in looks like it is not where you are, so the code was cancelled. ' +
        'If it is your own screen, reload it and scan the new code from the same place.',
    ),
  originNotAllowed: (origin: string | undefined) =>
    new QrLoginError(
      E.ORIGIN_NOT_ALLOWED,
      origin
        ? `QR codes cannot be created from ${JSON.stringify(origin.slice(0, 200))}: add that origin to the allowedOrigins option if the page is yours.`
        : 'QR codes can only be created from a page on the allowedOrigins list, and this request carried no Origin header; create codes from the browser page.',
    ),
  storeUnavailable: () =>
    new QrLoginError(E.STORE_UNAVAILABLE, 'The QR login store is unreachable right now; retry in a moment.'),
};
