/**
 * Injection token of the options given to `QrLoginWechatModule.forRoot()` / returned by the `forRootAsync()` factory.
 * @internal
 */
export const QR_LOGIN_WECHAT_MODULE_OPTIONS = 'QR_LOGIN:WECHAT_MODULE_OPTIONS';

/** Injection token of the validated, defaulted WeChat configuration (`ResolvedQrLoginWechatConfig`). @internal */
export const QR_LOGIN_WECHAT_CONFIG = 'QR_LOGIN:WECHAT_CONFIG';

/** Injection token of the WeChat module extras (`routePrefix`) as given to `forRoot` / `forRootAsync`. @internal */
export const QR_LOGIN_WECHAT_EXTRAS = 'QR_LOGIN:WECHAT_EXTRAS';

/** Defaults, in the units their option names say. */
export const QR_LOGIN_WECHAT_DEFAULTS = {
  baseUrl: 'https://api.weixin.qq.com',
  showQrCodeUrl: 'https://mp.weixin.qq.com/cgi-bin/showqrcode',
  accessTokenEndpoint: 'stable_token',
  accessTokenRefreshMargin: 300,
  requestTimeout: 10,
  logoSize: 0.45,
  maxWebhookBodyBytes: 65_536,
  pushTimestampWindow: 300,
  confirmationTimeout: 120,
  confirmKeyword: 'OK',
  envVersion: 'release',
  checkPath: true,
  width: 430,
} as const;

/** Site-side cancel reason the page sees as `cancelReason`: the WeChat user did not confirm (replied otherwise, or too late). */
export const WECHAT_NOT_CONFIRMED = 'WECHAT_NOT_CONFIRMED';
/** Site-side cancel reason the page sees as `cancelReason`: the WeChat user scanned another code before confirming this one. */
export const WECHAT_SUPERSEDED = 'WECHAT_SUPERSEDED';
