import type { QrLoginContext } from '../../plugin';

/**
 * Which GenAuth (Authing) compatible route sets `QrLoginGenAuthModule`
 * mounts. Module settings, because controllers are chosen before any provider
 * exists: give them beside the factory in `forRootAsync`. At least one must be true.
 */
export interface QrLoginGenAuthModuleExtras {
  /** Mount GenAuth's V3 routes (`/api/v3/gene-qrcode` …) used by `authing-node-sdk` and the other V3 SDKs. Default true. */
  v3?: boolean;
  /** Mount GenAuth's legacy V2 routes (`/api/v2/qrcode/*`) used by `authing-js-sdk`'s `QrCodeAuthenticationClient`. Default false. */
  v2?: boolean;
  /** Class decorators applied to the mounted controllers, as `QrLoginModule`'s `routeDecorators` (e.g. `[Public()]`). Default: none. */
  routeDecorators?: readonly ClassDecorator[];
}

/** How the ticket exchange authenticates the client, as GenAuth's "token endpoint auth method" setting. */
export type GenAuthTokenEndpointAuthMethod = 'none' | 'client_secret_post' | 'client_secret_basic';

/**
 * GenAuth's token set (`LoginTokenResponseDataDto`); `expire_in` is GenAuth's
 * spelling, in seconds.
 */
export interface GenAuthTokenSet {
  access_token: string;
  /** Seconds until `access_token` expires. */
  expire_in: number;
  /** Default `Bearer`. */
  token_type: string;
  id_token?: string;
  refresh_token?: string;
  scope?: string;
}

/** Options of `QrLoginGenAuthModule.forRoot()` / what its `forRootAsync()` factory returns. */
export interface QrLoginGenAuthModuleOptions {
  /**
   * Client authentication of the ticket exchange (`exchange-tokenset-with-qrcode-ticket`
   * and V2 `qrcode/userinfo`): `'none'` (GenAuth's default for browser and
   * mobile apps: anyone holding a ticket may exchange it once),
   * `'client_secret_post'` (`client_id` / `client_secret` in the JSON body) or
   * `'client_secret_basic'` (`Authorization: Basic base64(client_id:client_secret)`).
   * The two secret methods need `clientId` and `clientSecret`. Default `'none'`.
   */
  tokenEndpointAuthMethod?: GenAuthTokenEndpointAuthMethod;
  /** The client id the exchange must present: the SDK's `appId`. Required unless the method is `'none'`. */
  clientId?: string;
  /** The client secret the exchange must present: the SDK's `appSecret`. Required unless the method is `'none'`. */
  clientSecret?: string;
  /**
   * When set, every compatible request must carry this value in
   * `x-authing-app-id` (the SDK's `appId`); catches an SDK pointed at the
   * wrong app. Not a secret: the header is public. Default: not checked.
   */
  appId?: string;
  /**
   * How codes created on the compatible routes are bound (stored with each
   * code; codes created elsewhere keep their own binding, so a native code is
   * never revealed here without its creator's proof). `true`: as the native
   * routes, a creator cookie is set on create, and the ticket is shown to and
   * redeemed by that browser only; use it when the code is created and polled
   * by a browser on this origin (e.g. `authing-js-sdk` in a page served by
   * this app). `false` (GenAuth's own model, for SDKs that cannot carry the
   * cookie, such as `authing-node-sdk`): the ticket is shown to whoever polls
   * the code, and redeeming it needs client authentication when
   * `tokenEndpointAuthMethod` is a secret method, else only single use.
   * Default false.
   */
  bindToCreator?: boolean;
  /**
   * The token set the exchange answers, for the user who confirmed. Default:
   * `QrLoginModule`'s `issueTokenSet` hook, whose result is read as a token set
   * (`access_token`/`accessToken`, `expire_in`/`expires_in`/`expiresIn` (else
   * the `exp` claim of a JWT access token), `token_type`/`tokenType`,
   * `id_token`, `refresh_token`, `scope`).
   */
  issueTokenSet?: (user: any, context: QrLoginContext) => GenAuthTokenSet | Promise<GenAuthTokenSet>;
}
