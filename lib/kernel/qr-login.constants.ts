/** Name under which the ticket-redeeming passport strategy registers itself. */
export const QR_LOGIN_STRATEGY = 'qr-login';

/** Injection token of the store (see `QrLoginStore`): the module's own; plugins go through `QrLoginService`. */
export const QR_LOGIN_STORE = 'QR_LOGIN:STORE';

/** Injection token of the validated, defaulted configuration (`ResolvedQrLoginConfig`). @internal */
export const QR_LOGIN_CONFIG = 'QR_LOGIN:CONFIG';

/**
 * Injection token of the scan's risk assessment (`QrLoginRiskPort`): the
 * module provides the risk layer's assessor, built from the `risk` option.
 * @internal
 */
export const QR_LOGIN_RISK = 'QR_LOGIN:RISK';

/**
 * Injection token of the rate limiter the module's routes count in (`rateLimit.limiter`, else an in-memory one).
 * @internal
 */
export const QR_LOGIN_RATE_LIMITER = 'QR_LOGIN:RATE_LIMITER';

/**
 * Injection token of the module extras (`routePrefix`, `routeDecorators`) as given to `forRoot`/`forRootAsync`.
 * @internal
 */
export const QR_LOGIN_EXTRAS = 'QR_LOGIN:EXTRAS';

/** Header a non-browser creator sends its creator secret in (browsers use the cookie instead). */
export const QR_LOGIN_SECRET_HEADER = 'x-qr-login-secret';

/** Defaults, in the units their option names say. */
export const QR_LOGIN_DEFAULTS = {
  qrCodeTtl: 120,
  ticketTtl: 60,
  routePrefix: 'qr-login',
  cookieName: 'qr_login_secret',
  sseHeartbeatInterval: 15,
  maxCustomDataBytes: 4096,
  imageFormat: 'svg',
} as const;

/** The authentication method reference (RFC 8176 style) of a session made by QR login. */
export const QR_LOGIN_AMR = ['qr'] as const;

/** The `cancelReason` a page sees on a code cancelled because the policy denied its scan. */
export const QR_LOGIN_RISK_DENIED_REASON = 'RISK_DENIED';
