import { QrLoginWechatConfigError } from './wechat.errors';
import type { WechatConnection } from './interfaces/wechat-options.interface';

/*
 * The `connections` option: each WeChat app (mini program or official
 * account) checked field by field while the module starts, so a typo in an
 * app id, a page path or an AES key names its connection and field instead
 * of failing on the first scan.
 */

/** A connection after validation: `enabled` decided. */
export type ResolvedWechatConnection = WechatConnection & { enabled: boolean };

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

/** Checks the `connections` option: at least one app, each valid, no id twice. @internal */
export function resolveWechatConnections(
  connections: readonly WechatConnection[] | undefined,
): ResolvedWechatConnection[] {
  if (!Array.isArray(connections) || connections.length === 0) {
    throw new QrLoginWechatConfigError(
      '"connections" must list at least one WeChat app, e.g. [{ id: "mini", type: "WECHAT_MINIPROGRAM", appId: "wx…", appSecret: "…" }].',
    );
  }
  const resolved = connections.map(resolveConnection);
  const seen = new Set<string>();
  for (const connection of resolved) {
    if (seen.has(connection.id)) {
      throw new QrLoginWechatConfigError(`two connections have the id "${connection.id}"; give each its own.`);
    }
    seen.add(connection.id);
  }
  return resolved;
}
