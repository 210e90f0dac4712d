import type { BriefUserInfo, JsonObject, QrCodeFlow, QrRequesterInfo } from './qr-code.interface';
import type { QrLoginStore } from './qr-login-store.interface';
import type { QrLoginSecurityOptions } from './qr-login-security-options.interface';
import type { QrLoginClock } from '../qr-login.clock';
import type { QrLoginRiskAssessment } from './qr-login-risk.port';

/**
 * How the phone side (scan / confirm / cancel) proves who its user is. Give
 * exactly one of the two fields.
 */
export interface QrLoginAppAuthOptions {
  /**
   * Names of passport strategies the app already registers for its mobile
   * API (e.g. `'jwt'`), tried in order; the user they produce is the app user.
   */
  strategies?: string | string[];
  /**
   * Or a function that returns the app user for a request, or a falsy value
   * (null, undefined, false) when it carries no valid credentials: 401
   * `QR_APP_USER_UNAUTHENTICATED`, as passport treats a falsy user. Use it for
   * non-passport auth.
   */
  resolveUser?: (request: any) => unknown | Promise<unknown>;
}

/** The cookie that binds a code to the browser that created it. */
export interface QrLoginCookieOptions {
  /** Cookie name prefix; a suffix per creator is added. Default `qr_login_secret`. */
  name?: string;
  /** `true`, `false`, or `'auto'` (Secure when the request came over HTTPS). Default `'auto'`. */
  secure?: boolean | 'auto';
  /** SameSite attribute. Default `'lax'`; `'none'` needs `secure: true`. */
  sameSite?: 'lax' | 'strict' | 'none';
  /** Cookie path. Default `/`, so compatible routes outside the prefix see it too. */
  path?: string;
}

/** What the hooks learn about the code on authorization and on ticket redemption. */
export interface QrLoginContext {
  qrcodeId: string;
  /** Id of the user who confirmed (from `getUserId`). */
  userId: string;
  briefUserInfo: BriefUserInfo;
  /** `customData` given when the code was created, if any. */
  customData?: JsonObject;
  /** `context` given when the code was created, if any. */
  context?: JsonObject;
  /** Who asked to log in. */
  requester: QrRequesterInfo;
  /**
   * Which flow made the code, from its record (never from what the page sent): `device` for the
   * device grant, `qr` otherwise. Choose the token's lane from this, not from `context`.
   */
  flow: QrCodeFlow;
  /**
   * How the session was made (RFC 8176 style): always `['qr']`, so an app can
   * issue a narrower or shorter session for QR logins than for passwords.
   */
  amr: readonly string[];
  /** What the scan found comparing the browser and the phone (flags, facts, the policy's verdict), when it was assessed. */
  risk?: QrLoginRiskAssessment;
  /**
   * For a key-bound code (created with a DPoP proof): the RFC 7638 thumbprint
   * of the creator's key, which also signed the redeeming request. Put it in
   * the session token as `cnf.jkt` (RFC 9449 §6) to bind the session to the same key.
   */
  dpop?: { jkt: string };
}

/**
 * The kernel's options: all of `QrLoginModuleOptions` but `risk`, which the
 * risk layer reads (the kernel only asks its port). `TUser` is the app's user
 * type: what `loadUser` returns, `issueTokenSet` receives and `req.user` is
 * on a `QrLoginGuard` route. Default `any`, so apps that do not name it keep compiling.
 */
export interface QrLoginKernelOptions<TUser = any> extends QrLoginSecurityOptions {
  /** How the phone side is authenticated. Required. */
  appAuth: QrLoginAppAuthOptions;
  /** Lifetime of a code, in seconds, while nobody confirms or cancels it. Default 120. */
  qrCodeTtl?: number;
  /** Lifetime of the ticket an AUTHORIZED code hands out, in seconds. Default 60. */
  ticketTtl?: number;
  /** Where codes live. Default: a new in-memory store (one process only). */
  store?: QrLoginStore;
  /**
   * The text inside the QR image. A string with `{qrcodeId}` in it (e.g.
   * `'https://example.com/phone?code={qrcodeId}'`) or a function of the id.
   * Default: the bare qrcodeId, for apps that scan with their own scanner.
   */
  payloadUrl?: string | ((qrcodeId: string) => string);
  /** Name of the site asking, shown on the phone (`requester.appName`). Default: none. */
  appName?: string;
  /**
   * Give each code a user code to type instead of scanning (`userCode`, e.g.
   * `WDJB-MJHT`: 8 of 20 letters, RFC 8628 §6.1), kept as a store alias so it
   * resolves on every instance. Guessing one is bounded by the `appAction`
   * rate limit (see docs/routes.md, "User codes"). The device grant needs them. Default true.
   */
  userCodes?: boolean;
  /** Image type of the `url` returned on create: `'svg'` or `'png'` data URL. Default `'svg'`. */
  imageFormat?: 'svg' | 'png';
  /**
   * What `url` on create (and on a rotation event) holds: `'data'`, the image
   * itself as a data URL (no further request; each create renders it), or
   * `'route'`, the path of `GET {prefix}/qrcodes/:id/image`, which renders it
   * once when a page asks and lets the browser cache it (creates then skip
   * the render, about half their cost: BENCHMARKS.md). Default `'data'`.
   */
  imageUrl?: 'data' | 'route';
  /**
   * Whether the ticket is shown only to, and redeemable only by, the browser
   * that created the code (cookie or `x-qr-login-secret`). Default `true`; turn
   * it off only for clients that cannot carry it.
   */
  bindToCreator?: boolean;
  /**
   * How a code made on the native routes is bound to the browser that created it:
   * - `'dpop-or-secret'` (default): a create carrying a valid DPoP proof (RFC 9449)
   *   makes a key-bound code; one without keeps the secret (cookie or
   *   `x-qr-login-secret`), for browsers without WebCrypto and older clients;
   * - `'dpop'`: a create without a DPoP proof is refused (`QR_DPOP_PROOF_REQUIRED`);
   * - `'secret'`: DPoP proofs are not read; every code is secret-bound.
   * A key-bound code never falls back to its secret. GenAuth routes always make
   * secret-bound codes (its SDKs know no DPoP).
   */
  creatorBinding?: QrLoginCreatorBinding;
  /**
   * How long a DPoP proof is accepted after its `iat`, in seconds, on the
   * kernel's clock (and how far ahead of it, for clock skew); its `jti` is
   * remembered that long. Default 60.
   */
  dpopProofLifetime?: number;
  /** The creator cookie. Defaults as in `QrLoginCookieOptions`. */
  cookie?: QrLoginCookieOptions;
  /** Seconds between SSE keep-alive comments, so proxies keep idle streams open. Default 15. */
  sseHeartbeatInterval?: number;
  /** Largest `customData` and `context`, each, in bytes of JSON. Default 4096. */
  maxCustomDataBytes?: number;
  /** Stable id of an app user. Default: `user.id ?? user.sub ?? user.userId`, as a string. */
  getUserId?: (appUser: any) => string;
  /** `briefUserInfo` shown to the web page. Default: `displayName ?? nickname ?? name ?? username`, `photo ?? avatar ?? picture`. */
  getBriefUserInfo?: (appUser: any) => BriefUserInfo | Promise<BriefUserInfo>;
  /** Called once when a code becomes AUTHORIZED, with `customData` and `context` (e.g. to store them on the user). */
  onAuthorized?: (context: QrLoginContext) => void | Promise<void>;
  /**
   * Loads the user when a ticket is redeemed; the result becomes `req.user`.
   * Return a falsy value (null, undefined, false) to refuse: 401 `QR_USER_REFUSED`,
   * since passport takes no falsy user. Default: `{ id: userId, ...briefUserInfo }`
   * (set `loadUser` whenever `TUser` is your own type).
   */
  loadUser?: (userId: string, context: QrLoginContext) => QrLoginLoadedUser<TUser> | Promise<QrLoginLoadedUser<TUser>>;
  /**
   * Answer of `POST /<prefix>/login`: typically the app's token set for the
   * user. Default: `{ user }`.
   */
  issueTokenSet?: (user: TUser, context: QrLoginContext) => unknown | Promise<unknown>;
  /**
   * Where the kernel reads the time and sets its timers (expiry, ticket
   * lifetime, rotation). For tests that drive time by hand. Default: the system clock.
   */
  clock?: QrLoginClock;
}

/** Module-level settings known before any provider runs, so they are given beside the factory in `forRootAsync`. */
export interface QrLoginModuleExtras {
  /** Path prefix of the native routes, without slashes at the ends. Default `qr-login`. */
  routePrefix?: string;
  /**
   * Class decorators applied to every controller the module mounts, so an
   * app-wide guard lets them through: e.g. `[Public()]` with the global JWT
   * guard pattern of the NestJS docs. Plugins take the same setting. Default: none.
   */
  routeDecorators?: readonly ClassDecorator[];
  /**
   * Serve the package's built browser client at `GET /<routePrefix>/client/index.mjs`
   * (and the app client at `/<routePrefix>/client/app/index.mjs`), so a page with no
   * bundler loads `<qr-login-code>` through an import map (docs/client.md).
   * `true`, or `{ dir, maxAge }`. Default: not served.
   */
  serveClient?: boolean | QrLoginServeClientOptions;
}

/**
 * `serveClient` module setting: serve the package's built browser client
 * (`nestjs-qr-login/client`, and the app client `nestjs-qr-login/app`) under
 * `/<routePrefix>/client/`, so a page with no bundler can load `<qr-login-code>`
 * through an import map. `true` takes the defaults.
 */
export interface QrLoginServeClientOptions {
  /** Folder of the built client. Default: the package's own `dist/client`. */
  dir?: string;
  /**
   * `Cache-Control: max-age`, in seconds. The files are not named by content,
   * so keep it short; browsers revalidate with the `ETag` after it. Default 3600.
   */
  maxAge?: number;
}

/** The `creatorBinding` option: which proofs bind a native code to its creator. */
export type QrLoginCreatorBinding = 'dpop' | 'secret' | 'dpop-or-secret';

/** What `loadUser` may return: the user, or nothing to refuse the login. */
export type QrLoginLoadedUser<TUser> = TUser | null | undefined | false;

/**
 * A request on a route guarded by `QrLoginGuard`: `user` is the user
 * `loadUser` returned. `TRequest` is the platform's request type, e.g.
 * `QrLoginRequest<User, express.Request>`.
 */
export type QrLoginRequest<TUser, TRequest extends object = Record<string, unknown>> = Omit<TRequest, 'user'> & {
  user: TUser;
};
