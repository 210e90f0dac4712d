import { QR_LOGIN_DEFAULTS, resolveRoutePrefix } from '../../plugin';
import { QR_LOGIN_WECHAT_DEFAULTS } from './wechat.constants';
import { QrLoginWechatConfigError } from './wechat.errors';
import type {
  QrLoginWechatModuleExtras,
  WechatReply,
  QrLoginWechatModuleOptions,
  WechatConnection,
  WechatUserIdentity,
} from './interfaces/wechat-options.interface';

/** A connection after validation: `enabled` decided. */
export type ResolvedWechatConnection = WechatConnection & { enabled: boolean };

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

const CONNECTION_ID = /^[A-Za-z0-9_-]{1,64}$/;
const AES_KEY = /^[A-Za-z0-9+/]{43}$/;
const TYPES = ['WECHAT_MINIPROGRAM', 'WECHAT_OFFICIAL_ACCOUNT'];
const ENV_VERSIONS = ['release', 'trial', 'develop'];

function nonEmptyString(where: string, name: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new QrLoginWechatConfigError(
      `${where}: "${name}" must be a non-empty string; got ${value === '' ? 'an empty string' : typeof value}.`,
    );
  }
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

function resolveConnection(connection: WechatConnection, index: number): ResolvedWechatConnection {
  const where = `connections[${index}]`;
  if (!connection || typeof connection !== 'object') {
    throw new QrLoginWechatConfigError(
      `${where} must be an object such as { id: "mini", type: "WECHAT_MINIPROGRAM", appId, appSecret }.`,
    );
  }
  if (typeof connection.id !== 'string' || !CONNECTION_ID.test(connection.id)) {
    throw new QrLoginWechatConfigError(
      `${where}: "id" must be 1 to 64 letters, digits, "-" or "_" (it appears in URLs); got ${JSON.stringify(connection.id)}.`,
    );
  }
  const named = `connection "${connection.id}"`;
  if (!TYPES.includes(connection.type)) {
    throw new QrLoginWechatConfigError(
      `${named}: "type" must be "WECHAT_MINIPROGRAM" or "WECHAT_OFFICIAL_ACCOUNT"; got ${JSON.stringify((connection as { type?: unknown }).type)}.`,
    );
  }
  nonEmptyString(named, 'appId', connection.appId);
  nonEmptyString(named, 'appSecret', connection.appSecret);
  if (connection.enabled !== undefined && typeof connection.enabled !== 'boolean') {
    throw new QrLoginWechatConfigError(`${named}: "enabled" must be true or false.`);
  }
  if (
    connection.logoUrl !== undefined &&
    (typeof connection.logoUrl !== 'string' || !/^(https?:\/\/|data:image\/)/i.test(connection.logoUrl))
  ) {
    throw new QrLoginWechatConfigError(`${named}: "logoUrl" must be an http(s) URL or a data:image/… URL.`);
  }
  if (connection.type === 'WECHAT_MINIPROGRAM') {
    if (
      connection.page !== undefined &&
      (typeof connection.page !== 'string' || connection.page === '' || connection.page.startsWith('/'))
    ) {
      throw new QrLoginWechatConfigError(
        `${named}: "page" must be a page path without a leading slash, such as "pages/qr-login/index".`,
      );
    }
    if (connection.envVersion !== undefined && !ENV_VERSIONS.includes(connection.envVersion)) {
      throw new QrLoginWechatConfigError(
        `${named}: "envVersion" must be "release", "trial" or "develop"; got ${JSON.stringify(connection.envVersion)}.`,
      );
    }
    if (connection.checkPath !== undefined && typeof connection.checkPath !== 'boolean') {
      throw new QrLoginWechatConfigError(`${named}: "checkPath" must be true or false.`);
    }
    if (
      connection.width !== undefined &&
      (!Number.isInteger(connection.width) || connection.width < 280 || connection.width > 1280)
    ) {
      throw new QrLoginWechatConfigError(
        `${named}: "width" must be a whole number of pixels from 280 to 1280 (WeChat's limits); got ${String(connection.width)}.`,
      );
    }
  } else {
    nonEmptyString(named, 'token', connection.token);
    if (
      connection.encodingAESKey !== undefined &&
      (typeof connection.encodingAESKey !== 'string' || !AES_KEY.test(connection.encodingAESKey))
    ) {
      throw new QrLoginWechatConfigError(
        `${named}: "encodingAESKey" must be the 43 letters and digits of the account's EncodingAESKey, or be left out for the plain message mode.`,
      );
    }
    if (
      connection.originalId !== undefined &&
      (typeof connection.originalId !== 'string' || connection.originalId.trim() === '')
    ) {
      throw new QrLoginWechatConfigError(
        `${named}: "originalId" must be the account's original id, such as "gh_0123456789ab".`,
      );
    }
    if (connection.encodingAESKey !== undefined && connection.originalId === undefined) {
      throw new QrLoginWechatConfigError(
        `${named}: the safe mode ("encodingAESKey") needs "originalId", the account's original id (gh_…, shown as 原始ID in the admin console), so pushes addressed to another account are refused.`,
      );
    }
    if (connection.loginOnScan !== undefined && typeof connection.loginOnScan !== 'boolean') {
      throw new QrLoginWechatConfigError(`${named}: "loginOnScan" must be true or false.`);
    }
  }
  return { ...connection, enabled: connection.enabled ?? true };
}

/** The routes' prefix, normalized as the core normalizes its own. */
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
 * Validates the options and fills in defaults. Runs while the module starts,
 * so a mistake stops the app with a message instead of failing on first scan.
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
  if (!Array.isArray(options.connections) || options.connections.length === 0) {
    throw new QrLoginWechatConfigError(
      '"connections" must list at least one WeChat app, e.g. [{ id: "mini", type: "WECHAT_MINIPROGRAM", appId: "wx…", appSecret: "…" }].',
    );
  }
  const connections = options.connections.map(resolveConnection);
  const seen = new Set<string>();
  for (const connection of connections) {
    if (seen.has(connection.id)) {
      throw new QrLoginWechatConfigError(`two connections have the id "${connection.id}"; give each its own.`);
    }
    seen.add(connection.id);
  }
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
