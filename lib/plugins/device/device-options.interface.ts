/** How a client authenticates at the device authorization and token endpoints (RFC 6749 §2.3, RFC 8414 names). */
export type QrLoginDeviceClientAuthMethod = 'none' | 'client_secret_post' | 'client_secret_basic';

/** A client registered for the device grant: a TV app, a CLI, a second device. */
export interface QrLoginDeviceClient {
  /** The `client_id` it sends. */
  clientId: string;
  /**
   * What the phone calls it when asking its user to approve (e.g.
   * `Living-room TV`, `Acme CLI`), at most 100 characters. Default: `clientId`.
   */
  name?: string;
  /** Its secret, for `client_secret_post` / `client_secret_basic`; none for a public client. */
  clientSecret?: string;
  /** Default: `client_secret_basic` when a secret is given, else `none` (a public client, as a CLI or TV app usually is). */
  tokenEndpointAuthMethod?: QrLoginDeviceClientAuthMethod;
}

/** Options of `QrLoginDeviceGrantModule.forRoot()` / what `forRootAsync()`'s factory returns. */
export interface QrLoginDeviceGrantModuleOptions {
  /** The clients allowed to start device flows; any other `client_id` gets `invalid_client`. At least one. */
  clients: QrLoginDeviceClient[];
  /**
   * The app's public URL (e.g. `https://login.example.com`): the `issuer` of
   * the discovery document and the base of the endpoints it names. A function
   * when it is known only after `listen`. Default: the requesting URL's origin
   * (Host header), which is fine on one host but should be set behind a proxy.
   */
  issuer?: string | (() => string);
  /**
   * Where a person enters the user code (`verification_uri`), e.g. the phone
   * app's deep link or a page; `verification_uri_complete` adds
   * `?user_code=WDJB-MJHT` to it. A function of the issuer when it depends on
   * it. Default: `<issuer>/device`.
   */
  verificationUri?: string | ((issuer: string) => string);
  /** Least seconds between two polls of the token endpoint (`interval`), whole, 1 to 60. Default 5 (RFC 8628). */
  interval?: number;
}

/** Settings known before any provider runs (they choose the controllers), given beside the factory in `forRootAsync`. */
export interface QrLoginDeviceGrantModuleExtras {
  /**
   * Path prefix of `device_authorization` and `token`; give the same as
   * `QrLoginModule`'s `routePrefix`, if you changed it. Default `qr-login`.
   */
  routePrefix?: string;
  /** Serve RFC 8414 metadata at `GET /.well-known/oauth-authorization-server`. Default false. */
  discovery?: boolean;
  /**
   * Class decorators applied to the mounted controllers (the two endpoints and
   * discovery), as `QrLoginModule`'s `routeDecorators` (e.g. `[Public()]` under
   * a global `APP_GUARD`). Default: none.
   */
  routeDecorators?: readonly ClassDecorator[];
}
