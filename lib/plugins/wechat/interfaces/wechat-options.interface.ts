import type { JsonObject } from '../../../plugin';

/** The two WeChat code types GenAuth's generate-QR call knows. */
export type WechatQrCodeType = 'WECHAT_MINIPROGRAM' | 'WECHAT_OFFICIAL_ACCOUNT';

/** What every WeChat connection has. */
interface WechatConnectionBase {
  /**
   * Your name for this connection: the web page picks it with `extIdpConnId`,
   * and the official-account webhook URL carries it. Letters, digits, `-` and
   * `_`, up to 64 characters. Required.
   */
  id: string;
  /** The app id WeChat gave the mini program or official account (`wx…`). Required. */
  appId: string;
  /** The app secret of that app id. Required; never logged nor answered. */
  appSecret: string;
  /** Whether codes may be made and scanned with this connection. Default `true`. */
  enabled?: boolean;
  /**
   * A logo for the code image: answered as `customLogoUrl` for the client to
   * stitch, or (mini program, `autoMergeQrCode: true`) merged into the image on
   * the server. An `https:`/`http:` URL or a `data:image/…;base64,` URL. Default: none.
   */
  logoUrl?: string;
}

/** A WeChat mini program whose codes (`wxacode.getUnlimited`) open a page that logs the web page in. */
export interface WechatMiniProgramConnection extends WechatConnectionBase {
  type: 'WECHAT_MINIPROGRAM';
  /**
   * The mini-program page the code opens, without a leading slash (e.g.
   * `'pages/qr-login/index'`); the page reads the qrcodeId from `options.scene`.
   * Default: the mini program's home page.
   */
  page?: string;
  /** Whether WeChat checks that `page` exists in the published version. Default `true`; `false` for pages not yet released. */
  checkPath?: boolean;
  /** Which version of the mini program the code opens: `'release'`, `'trial'` or `'develop'`. Default `'release'`. */
  envVersion?: 'release' | 'trial' | 'develop';
  /** Width of the code image, in pixels (280–1280). Default 430. */
  width?: number;
}

/** A WeChat official account (service account) whose temporary parametric codes log the web page in on SCAN / subscribe. */
export interface WechatOfficialAccountConnection extends WechatConnectionBase {
  type: 'WECHAT_OFFICIAL_ACCOUNT';
  /** The "Token" of the account's server configuration; signs every webhook push. Required. */
  token: string;
  /**
   * The "EncodingAESKey" (43 characters) of the server configuration. Setting
   * it puts the connection in safe mode: only encrypted pushes with a valid
   * `msg_signature` are accepted (plaintext ones are refused, whatever the
   * query says), and replies are encrypted. Default: none (plain mode, whose
   * signature does not cover the body; see SECURITY.md).
   */
  encodingAESKey?: string;
  /**
   * The account's original id (`gh_…`, "原始ID" in the admin console): pushes
   * must be addressed to it (`ToUserName`). Required with `encodingAESKey`;
   * checked in plain mode too when given. Default: none.
   */
  originalId?: string;
  /**
   * GenAuth's behaviour: a SCAN / subscribe push logs the user in at once,
   * without showing them who asks. Off by default: the scan moves the code to
   * SCANNED and WeChat shows the user the requesting site, browser and place,
   * and the user confirms by replying. Turning it on trades that check away
   * (QRLJacking: a victim who scans an attacker's relayed code is logged in
   * for the attacker). Cannot be combined with the core's `numberMatching`. Default `false`.
   */
  loginOnScan?: boolean;
}

/** One WeChat app the module makes codes with. */
export type WechatConnection = WechatMiniProgramConnection | WechatOfficialAccountConnection;

/** What `findOrCreateUser` learns about the WeChat user who scanned. */
export interface WechatUserIdentity {
  /** The user's openid within `appId`. */
  openid: string;
  /** The user's unionid across the apps of your WeChat open platform account, when WeChat sent one. */
  unionid?: string;
  /** `id` of the connection the user came through. */
  connectionId: string;
  /** Its type. */
  connectionType: WechatQrCodeType;
  /** Its app id. */
  appId: string;
  /** The code being scanned. */
  qrcodeId: string;
  /** `context` given when the code was created (GenAuth's pipeline context), if any. */
  context?: JsonObject;
  /** `customData` given when the code was created, if any. */
  customData?: JsonObject;
}

/**
 * A passive reply the module sends a WeChat user of an official account, for
 * `replyText` to word (e.g. in Chinese). `prompt` follows a scan; the others
 * follow the user's reply.
 */
export type WechatReply =
  | {
      kind: 'prompt';
      /** The site asking (`QrLoginModule`'s `appName`), if set. */
      appName?: string;
      /** What the requesting browser says it is (forgeable), e.g. `Chrome`, `Windows`. */
      browser?: string;
      os?: string;
      /** Where its address is, when a geo lookup is configured. */
      country?: string;
      city?: string;
      ip?: string;
      /** The text the user must reply to confirm: the number the page shows (number matching) or the keyword. */
      answer: 'number' | 'keyword';
      keyword: string;
      /** Seconds left to reply. */
      expiresIn: number;
    }
  | { kind: 'confirmed'; appName?: string }
  | { kind: 'cancelled'; appName?: string }
  | { kind: 'expired'; appName?: string };

/** Options of `QrLoginWechatModule.forRoot()` / the object `forRootAsync()`'s factory returns. */
export interface QrLoginWechatModuleOptions {
  /**
   * The WeChat apps to use. A code is made with the connection the web page
   * names in `extIdpConnId`, else with the first enabled one of its type. Required, at least one.
   */
  connections: WechatConnection[];
  /**
   * Maps a WeChat user to your app user, creating one on first login if you
   * like. The result is the app user that scans and confirms (the core's
   * `getUserId` / `getBriefUserInfo` read it). Return null to refuse the login.
   * Required.
   */
  findOrCreateUser: (identity: WechatUserIdentity) => unknown | Promise<unknown>;
  /** Root of WeChat's server API, e.g. a proxy in front of it. Default `https://api.weixin.qq.com`. */
  baseUrl?: string;
  /** Where official-account code images are shown from (`?ticket=` is appended). Default `https://mp.weixin.qq.com/cgi-bin/showqrcode`. */
  showQrCodeUrl?: string;
  /**
   * How access tokens are fetched: `'stable_token'` (`POST /cgi-bin/stable_token`,
   * which does not invalidate tokens other servers hold) or `'token'` (`GET /cgi-bin/token`).
   * Default `'stable_token'`.
   */
  accessTokenEndpoint?: 'stable_token' | 'token';
  /**
   * Seconds before an access token's `expires_in` runs out at which it is
   * fetched anew; never more than half its lifetime. Default 300.
   */
  accessTokenRefreshMargin?: number;
  /**
   * Supplies access tokens instead of fetching them, for apps whose tokens are
   * managed centrally (with `cgi-bin/token` WeChat keeps only the latest token
   * of an app valid). Called before every WeChat call that needs a token, so
   * cache inside it; `forceRefresh` is true after WeChat refused the token it
   * gave. Default: none (the module fetches and caches tokens itself).
   */
  getAccessToken?: (connection: WechatConnection, options: { forceRefresh: boolean }) => string | Promise<string>;
  /** Time limit of each call to WeChat, in seconds. Default 10. */
  requestTimeout?: number;
  /** Size of a merged logo (`autoMergeQrCode`), as a fraction of the image width, above 0 and at most 0.5. Default 0.45 (WeChat's own centre circle). */
  logoSize?: number;
  /** Largest official-account webhook body, in bytes. Default 65536. */
  maxWebhookBodyBytes?: number;
  /**
   * How far a push's `timestamp` may be from now, in seconds, either way; each
   * (timestamp, nonce) is remembered in the store for twice that, so a logged
   * push URL cannot be replayed on any instance. Default 300.
   */
  pushTimestampWindow?: number;
  /**
   * Seconds an official-account user has to confirm by replying after a scan;
   * then the code is cancelled (`cancelReason` `WECHAT_NOT_CONFIRMED`). Never
   * beyond the code's own lifetime. Default 120.
   */
  confirmationTimeout?: number;
  /**
   * The reply that confirms an official-account login when the core's
   * `numberMatching` is off (with it on, the user replies with the number the
   * page shows). Compared trimmed and case-insensitively. Default `'OK'`.
   */
  confirmKeyword?: string;
  /** Words the official account's passive replies; default: short English texts. */
  replyText?: (reply: WechatReply) => string;
}

/** Module-level settings known before any provider runs, so they are given beside the factory in `forRootAsync`. */
export interface QrLoginWechatModuleExtras {
  /**
   * Path prefix of the WeChat routes, without slashes at the ends. Default
   * `qr-login`; set it to `QrLoginModule`'s `routePrefix` when that differs.
   */
  routePrefix?: string;
  /** Class decorators applied to the mounted controllers, as `QrLoginModule`'s `routeDecorators` (e.g. `[Public()]`). Default: none. */
  routeDecorators?: readonly ClassDecorator[];
}

/** A class that makes the options, for `forRootAsync({ useClass })`. */
export interface QrLoginWechatOptionsFactory {
  createQrLoginWechatOptions(): QrLoginWechatModuleOptions | Promise<QrLoginWechatModuleOptions>;
}
