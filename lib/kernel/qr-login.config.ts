import { systemClock, type QrLoginClock } from './qr-login.clock';
import { QR_LOGIN_DEFAULTS } from './qr-login.constants';
import { QrLoginConfigError } from './qr-login.errors';
import { describeConfigValue, numericStringHint, refuseUnknownKeys } from './qr-login.option-checks';
import { resolveSecurityConfig, type ResolvedSecurityConfig } from './qr-login-security.config';
import { defaultBriefUserInfo, defaultUserId, resolveAppAuth, type ResolvedAppAuth } from './qr-login-app-user.config';
import type { BriefUserInfo } from './interfaces/qr-code.interface';
import type {
  QrLoginContext,
  QrLoginCookieOptions,
  QrLoginCreatorBinding,
  QrLoginKernelOptions,
  QrLoginModuleExtras,
} from './interfaces/qr-login-options.interface';

/** The options after validation, with every default filled in. */
export interface ResolvedQrLoginConfig {
  appAuth: ResolvedAppAuth;
  qrCodeTtlMs: number;
  ticketTtlMs: number;
  routePrefix: string;
  payload: (qrcodeId: string) => string;
  appName?: string;
  imageFormat: 'svg' | 'png';
  imageUrl: 'data' | 'route';
  bindToCreator: boolean;
  /** Which proofs bind a native code to its creator (`creatorBinding`). */
  creatorBinding: QrLoginCreatorBinding;
  /** How long a DPoP proof is good after its `iat` (and ahead of it), ms; its `jti` is remembered that long. */
  dpopProofLifetimeMs: number;
  cookie: { name: string; secure: boolean | 'auto'; sameSite: 'lax' | 'strict' | 'none'; path: string };
  sseHeartbeatMs: number;
  maxCustomDataBytes: number;
  /** Number matching, rotation, rate limits and size limits. */
  security: ResolvedSecurityConfig;
  getUserId: (appUser: any) => string;
  getBriefUserInfo: (appUser: any) => BriefUserInfo | Promise<BriefUserInfo>;
  onAuthorized?: (context: QrLoginContext) => void | Promise<void>;
  loadUser: (userId: string, context: QrLoginContext) => unknown | Promise<unknown>;
  issueTokenSet: (user: any, context: QrLoginContext) => unknown | Promise<unknown>;
  /** Whether the app set `issueTokenSet` (plugins that answer token sets need it). */
  issueTokenSetGiven: boolean;
  /** Where the kernel reads the time and sets its timers. */
  clock: QrLoginClock;
  /** Whether codes get a user code to type. */
  userCodes: boolean;
}

const EXTRA_KEYS = ['routePrefix', 'routeDecorators'] as const;

/** Every option key; `satisfies` keeps the list in step with the interface. */
const OPTION_KEYS = Object.keys({
  appAuth: 1,
  qrCodeTtl: 1,
  ticketTtl: 1,
  store: 1,
  payloadUrl: 1,
  appName: 1,
  imageFormat: 1,
  bindToCreator: 1,
  creatorBinding: 1,
  dpopProofLifetime: 1,
  cookie: 1,
  sseHeartbeatInterval: 1,
  maxCustomDataBytes: 1,
  getUserId: 1,
  getBriefUserInfo: 1,
  onAuthorized: 1,
  loadUser: 1,
  issueTokenSet: 1,
  clock: 1,
  numberMatching: 1,
  rotateEvery: 1,
  rateLimit: 1,
  maxStreamsPerIp: 1,
  maxCustomDataDepth: 1,
  userCodes: 1,
  imageUrl: 1,
} satisfies Record<keyof QrLoginKernelOptions, 1>);
const COOKIE_KEYS = Object.keys({ name: 1, secure: 1, sameSite: 1, path: 1 } satisfies Record<
  keyof QrLoginCookieOptions,
  1
>);

function positiveSeconds(name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback * 1000;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new QrLoginConfigError(
      `"${name}" must be a number of seconds above 0 and at most ${max}; got ${describeConfigValue(value)}.${numericStringHint(value)}`,
    );
  }
  return Math.round(value * 1000);
}

function optionalFunction<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new QrLoginConfigError(`"${name}" must be a function; got ${typeof value}.`);
  }
  return value;
}

function payloadBuilder(payloadUrl: QrLoginKernelOptions['payloadUrl']): (id: string) => string {
  if (payloadUrl === undefined) return (id) => id;
  if (typeof payloadUrl === 'function') return payloadUrl;
  if (typeof payloadUrl === 'string' && payloadUrl.includes('{qrcodeId}')) {
    return (id) => payloadUrl.split('{qrcodeId}').join(encodeURIComponent(id));
  }
  throw new QrLoginConfigError(
    '"payloadUrl" must be a function of the qrcodeId or a string holding the placeholder {qrcodeId}, e.g. "https://example.com/phone?code={qrcodeId}".',
  );
}

const CREATOR_BINDINGS: readonly QrLoginCreatorBinding[] = ['dpop', 'secret', 'dpop-or-secret'];

function resolveCreatorBinding(value: unknown): QrLoginCreatorBinding {
  if (value === undefined) return 'dpop-or-secret';
  if (!CREATOR_BINDINGS.includes(value as QrLoginCreatorBinding)) {
    throw new QrLoginConfigError(
      `"creatorBinding" must be "dpop", "secret" or "dpop-or-secret"; got ${describeConfigValue(value)}.`,
    );
  }
  return value as QrLoginCreatorBinding;
}

function resolveStore(store: unknown): void {
  if (store === undefined) return;
  const missing = ['create', 'get', 'compareAndSet', 'watch', 'rememberOnce', 'setAlias', 'resolveAlias'].filter(
    (m) => typeof (store as Record<string, unknown> | null)?.[m] !== 'function',
  );
  if (missing.length > 0) {
    throw new QrLoginConfigError(
      `"store" does not implement QrLoginStore (missing ${missing.join(', ')}). Pass a store instance such as new MemoryQrLoginStore() or new RedisQrLoginStore(...), or leave "store" out for the in-memory default.`,
    );
  }
}

function resolveClock(clock: unknown): QrLoginClock {
  if (clock === undefined) return systemClock;
  const missing = ['now', 'setTimeout', 'clearTimeout'].filter(
    (m) => typeof (clock as Record<string, unknown> | null)?.[m] !== 'function',
  );
  if (missing.length > 0) {
    throw new QrLoginConfigError(
      `"clock" must implement QrLoginClock (missing ${missing.join(', ')}); leave it out for the system clock.`,
    );
  }
  return clock as QrLoginClock;
}

function resolveBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new QrLoginConfigError(`"${name}" must be true or false; got ${JSON.stringify(value)}.`);
  return value;
}

/** Normalizes the route prefix: no slashes at the ends, only URL-path characters. */
export function resolveRoutePrefix(prefix: unknown): string {
  if (prefix === undefined) return QR_LOGIN_DEFAULTS.routePrefix;
  if (typeof prefix !== 'string' || !/^\/?[A-Za-z0-9._~\-/]*\/?$/.test(prefix) || prefix.includes('//')) {
    throw new QrLoginConfigError(
      `"routePrefix" must be a URL path such as "qr-login" or "auth/qr"; got ${JSON.stringify(prefix)}.`,
    );
  }
  return prefix.replace(/^\/+|\/+$/g, '');
}

/**
 * Validates the kernel's options and fills in defaults. Runs while the module
 * starts, so a mistake stops the app with a message instead of failing on
 * first use. `layered` names the options a layer above validates itself (the
 * module's `risk`): they pass the unknown-key check here, unread.
 * @internal
 */
export function resolveQrLoginConfig(
  options: QrLoginKernelOptions | undefined,
  extras: QrLoginModuleExtras = {},
  layered: readonly string[] = [],
): ResolvedQrLoginConfig {
  if (!options || typeof options !== 'object') {
    throw new QrLoginConfigError(
      'no options were given. Call QrLoginModule.forRoot({ appAuth: ... }) or make the forRootAsync factory return an options object.',
    );
  }
  if ('isGlobal' in options) {
    throw new QrLoginConfigError(
      '"isGlobal" is not an option: QrLoginModule is always global, so plugins imported beside it reach its service. Remove it.',
    );
  }
  for (const key of EXTRA_KEYS) {
    if (key in options) {
      throw new QrLoginConfigError(
        `"${key}" is a module setting and is ignored inside the options object; pass it beside the factory: QrLoginModule.forRootAsync({ ${key}: ..., useFactory }).`,
      );
    }
  }
  refuseUnknownKeys('', options, [...OPTION_KEYS, ...layered]);
  resolveStore(options.store);
  const cookie = options.cookie ?? {};
  // `cookie: null` became {} above, so only non-objects are left to refuse.
  if (typeof cookie !== 'object') {
    throw new QrLoginConfigError(
      `"cookie" must be an object such as { sameSite: "lax" }; got ${describeConfigValue(cookie)}.`,
    );
  }
  refuseUnknownKeys('cookie', cookie, COOKIE_KEYS);
  const sameSite = cookie.sameSite ?? 'lax';
  if (!['lax', 'strict', 'none'].includes(sameSite)) {
    throw new QrLoginConfigError(`"cookie.sameSite" must be "lax", "strict" or "none"; got ${String(sameSite)}.`);
  }
  const secure = cookie.secure ?? 'auto';
  if (sameSite === 'none' && secure !== true) {
    throw new QrLoginConfigError(
      '"cookie.sameSite: none" needs "cookie.secure: true"; browsers drop such cookies otherwise.',
    );
  }
  const imageFormat = options.imageFormat ?? QR_LOGIN_DEFAULTS.imageFormat;
  if (imageFormat !== 'svg' && imageFormat !== 'png') {
    throw new QrLoginConfigError(`"imageFormat" must be "svg" or "png"; got ${String(imageFormat)}.`);
  }
  const imageUrl = options.imageUrl ?? 'data';
  if (imageUrl !== 'data' && imageUrl !== 'route') {
    throw new QrLoginConfigError(
      `"imageUrl" must be "data" (a data URL in the create answer) or "route" (a link to GET {prefix}/qrcodes/:id/image); got ${String(imageUrl)}.`,
    );
  }
  const maxCustomDataBytes = options.maxCustomDataBytes ?? QR_LOGIN_DEFAULTS.maxCustomDataBytes;
  if (!Number.isInteger(maxCustomDataBytes) || maxCustomDataBytes < 2) {
    throw new QrLoginConfigError(
      `"maxCustomDataBytes" must be a whole number of bytes of at least 2; got ${describeConfigValue(maxCustomDataBytes)}.${numericStringHint(maxCustomDataBytes)}`,
    );
  }
  // Ids carry the expiry in whole seconds as uint32; a day is ample for a login code.
  const qrCodeTtlMs = positiveSeconds('qrCodeTtl', options.qrCodeTtl, QR_LOGIN_DEFAULTS.qrCodeTtl, 86_400);
  return {
    appAuth: resolveAppAuth(options.appAuth),
    qrCodeTtlMs,
    ticketTtlMs: positiveSeconds('ticketTtl', options.ticketTtl, QR_LOGIN_DEFAULTS.ticketTtl, 86_400),
    routePrefix: resolveRoutePrefix(extras.routePrefix),
    payload: payloadBuilder(options.payloadUrl),
    appName: options.appName,
    imageFormat,
    imageUrl,
    bindToCreator: options.bindToCreator ?? true,
    creatorBinding: resolveCreatorBinding(options.creatorBinding),
    dpopProofLifetimeMs: positiveSeconds('dpopProofLifetime', options.dpopProofLifetime, 60, 600),
    cookie: {
      name: cookie.name ?? QR_LOGIN_DEFAULTS.cookieName,
      secure,
      sameSite,
      path: cookie.path ?? '/',
    },
    sseHeartbeatMs: positiveSeconds(
      'sseHeartbeatInterval',
      options.sseHeartbeatInterval,
      QR_LOGIN_DEFAULTS.sseHeartbeatInterval,
      3_600,
    ),
    maxCustomDataBytes,
    security: resolveSecurityConfig(options, qrCodeTtlMs),
    getUserId: optionalFunction('getUserId', options.getUserId) ?? defaultUserId,
    getBriefUserInfo: optionalFunction('getBriefUserInfo', options.getBriefUserInfo) ?? defaultBriefUserInfo,
    onAuthorized: optionalFunction('onAuthorized', options.onAuthorized),
    loadUser:
      optionalFunction('loadUser', options.loadUser) ??
      ((userId, context) => ({ id: userId, ...context.briefUserInfo })),
    issueTokenSet: optionalFunction('issueTokenSet', options.issueTokenSet) ?? ((user) => ({ user })),
    issueTokenSetGiven: options.issueTokenSet !== undefined,
    clock: resolveClock(options.clock),
    userCodes: resolveBoolean('userCodes', options.userCodes, true),
  };
}
