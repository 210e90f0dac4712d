import { QR_LOGIN_DEFAULTS, resolveRoutePrefix } from '../../plugin';
import { QR_LOGIN_WECHAT_DEFAULTS } from './wechat.constants';
import { QrLoginWechatConfigError } from './wechat.errors';
import { resolveWechatConnections, type ResolvedWechatConnection } from './wechat-connections.config';
import type {
  QrLoginWechatModuleExtras,
  WechatReply,
  QrLoginWechatModuleOptions,
  WechatUserIdentity,
} from './interfaces/wechat-options.interface';

/** The WeChat options after validation, with every default filled in. */
export interface ResolvedQrLoginWechatConfig {
  connections: ResolvedWechatConnection[];
  findOrCreateUser: (identity: WechatUserIdentity) => unknown | Promise<unknown>;
  /** Without a trailing slash. */
  baseUrl: string;
  showQrCodeUrl: string;
  accessTokenEndpoint: 'stable_token' | 'token';
  accessTokenRefreshMarginMs: number;
  getAccessToken?: QrLoginWechatModuleOptions['getAccessToken'];
  requestTimeoutMs: number;
  logoSize: number;
  maxWebhookBodyBytes: number;
  pushTimestampWindowMs: number;
  confirmationTimeoutMs: number;
  confirmKeyword: string;
  replyText?: (reply: WechatReply) => string;
  routePrefix: string;
  /** Whether `routePrefix` was given, rather than defaulted. */
  routePrefixGiven: boolean;
}

/** Every option key; `satisfies` keeps the list in step with the interface. */
const OPTION_KEYS = Object.keys({
  connections: 1,
  findOrCreateUser: 1,
  baseUrl: 1,
  showQrCodeUrl: 1,
  accessTokenEndpoint: 1,
  accessTokenRefreshMargin: 1,
  getAccessToken: 1,
  requestTimeout: 1,
  logoSize: 1,
  maxWebhookBodyBytes: 1,
  pushTimestampWindow: 1,
  confirmationTimeout: 1,
  confirmKeyword: 1,
  replyText: 1,
} satisfies Record<keyof QrLoginWechatModuleOptions, 1>);

/** A value with its type, so "90" from an environment variable does not read like the number 90. */
function shown(value: unknown): string {
  return typeof value === 'string'
    ? `the string ${JSON.stringify(value)}`
    : typeof value === 'object' && value !== null
      ? 'an object'
      : String(value);
}

function httpUrl(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash) {
    throw new QrLoginWechatConfigError(
      `"${name}" must be an http(s) URL without query, such as "${fallback}"; got ${JSON.stringify(value)}.`,
    );
  }
  return (value as string).replace(/\/+$/, '');
}

function positiveNumber(name: string, value: unknown, fallback: number, max: number, unit: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new QrLoginWechatConfigError(
      `"${name}" must be a number of ${unit} above 0 and at most ${max}; got ${shown(value)}.`,
    );
  }
  return value;
}

/** The routes' prefix, normalized as the core normalizes its own. @internal */
export function wechatRoutePrefix(prefix: unknown): string {
  try {
    return resolveRoutePrefix(prefix ?? QR_LOGIN_DEFAULTS.routePrefix);
  } catch {
    throw new QrLoginWechatConfigError(
      `"routePrefix" must be a URL path such as "qr-login" or "auth/qr"; got ${JSON.stringify(prefix)}.`,
    );
  }
}

/**
 * Validates the options and fills in defaults (each connection's checks are
 * in wechat-connections.config.ts). Runs while the module starts,
 * so a mistake stops the app with a message instead of failing on first scan.
 * @internal
 */
export function resolveQrLoginWechatConfig(
  options: QrLoginWechatModuleOptions | undefined,
  extras: QrLoginWechatModuleExtras = {},
): ResolvedQrLoginWechatConfig {
  if (!options || typeof options !== 'object') {
    throw new QrLoginWechatConfigError(
      'no options were given. Call QrLoginWechatModule.forRoot({ connections: [...], findOrCreateUser }) or make the forRootAsync factory return an options object.',
    );
  }
  for (const key of ['routePrefix', 'routeDecorators']) {
    if (key in options) {
      throw new QrLoginWechatConfigError(
        `"${key}" is a module setting and is ignored inside the options object; pass it beside the factory: QrLoginWechatModule.forRootAsync({ ${key}: ..., useFactory }).`,
      );
    }
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) {
      throw new QrLoginWechatConfigError(`"${key}" is not an option; the options are ${OPTION_KEYS.join(', ')}.`);
    }
  }
  const connections = resolveWechatConnections(options.connections);
  if (typeof options.findOrCreateUser !== 'function') {
    throw new QrLoginWechatConfigError(
      '"findOrCreateUser" is required: a function of { openid, unionid, connectionId, context } that returns your app user (or null to refuse).',
    );
  }
  if (options.getAccessToken !== undefined && typeof options.getAccessToken !== 'function') {
    throw new QrLoginWechatConfigError(
      '"getAccessToken" must be a function of (connection, { forceRefresh }) returning the access token.',
    );
  }
  const endpoint = options.accessTokenEndpoint ?? QR_LOGIN_WECHAT_DEFAULTS.accessTokenEndpoint;
  if (endpoint !== 'stable_token' && endpoint !== 'token') {
    throw new QrLoginWechatConfigError(
      `"accessTokenEndpoint" must be "stable_token" or "token"; got ${JSON.stringify(endpoint)}.`,
    );
  }
  const margin = options.accessTokenRefreshMargin ?? QR_LOGIN_WECHAT_DEFAULTS.accessTokenRefreshMargin;
  if (typeof margin !== 'number' || !Number.isFinite(margin) || margin < 0) {
    throw new QrLoginWechatConfigError(
      `"accessTokenRefreshMargin" must be a number of seconds of at least 0; got ${shown(margin)}.`,
    );
  }
  const maxBody = options.maxWebhookBodyBytes ?? QR_LOGIN_WECHAT_DEFAULTS.maxWebhookBodyBytes;
  if (!Number.isInteger(maxBody) || maxBody < 512) {
    throw new QrLoginWechatConfigError(
      `"maxWebhookBodyBytes" must be a whole number of bytes of at least 512; got ${shown(maxBody)}.`,
    );
  }
  const keyword = options.confirmKeyword ?? QR_LOGIN_WECHAT_DEFAULTS.confirmKeyword;
  if (
    typeof keyword !== 'string' ||
    keyword.trim() === '' ||
    keyword.trim().length > 32 ||
    /^\d+$/.test(keyword.trim())
  ) {
    throw new QrLoginWechatConfigError(
      `"confirmKeyword" must be 1 to 32 characters and not only digits (digits are the number-matching answer); got ${JSON.stringify(keyword)}.`,
    );
  }
  if (options.replyText !== undefined && typeof options.replyText !== 'function') {
    throw new QrLoginWechatConfigError(
      '"replyText" must be a function of the reply ({ kind, appName, … }) returning its text.',
    );
  }
  return {
    connections,
    findOrCreateUser: options.findOrCreateUser,
    baseUrl: httpUrl('baseUrl', options.baseUrl, QR_LOGIN_WECHAT_DEFAULTS.baseUrl),
    showQrCodeUrl: httpUrl('showQrCodeUrl', options.showQrCodeUrl, QR_LOGIN_WECHAT_DEFAULTS.showQrCodeUrl),
    accessTokenEndpoint: endpoint,
    accessTokenRefreshMarginMs: margin * 1000,
    getAccessToken: options.getAccessToken,
    requestTimeoutMs:
      positiveNumber(
        'requestTimeout',
        options.requestTimeout,
        QR_LOGIN_WECHAT_DEFAULTS.requestTimeout,
        300,
        'seconds',
      ) * 1000,
    logoSize: positiveNumber('logoSize', options.logoSize, QR_LOGIN_WECHAT_DEFAULTS.logoSize, 0.5, 'image widths'),
    maxWebhookBodyBytes: maxBody,
    pushTimestampWindowMs:
      positiveNumber(
        'pushTimestampWindow',
        options.pushTimestampWindow,
        QR_LOGIN_WECHAT_DEFAULTS.pushTimestampWindow,
        3600,
        'seconds',
      ) * 1000,
    confirmationTimeoutMs:
      positiveNumber(
        'confirmationTimeout',
        options.confirmationTimeout,
        QR_LOGIN_WECHAT_DEFAULTS.confirmationTimeout,
        86_400,
        'seconds',
      ) * 1000,
    confirmKeyword: keyword.trim(),
    ...(options.replyText ? { replyText: options.replyText } : {}),
    routePrefix: wechatRoutePrefix(extras.routePrefix),
    routePrefixGiven: extras.routePrefix !== undefined,
  };
}
