import { describe, expect, it } from 'vitest';
import { configRefusal } from '../../../test/wechat/config-refusal';
import { resolveWechatConnections } from './wechat-connections.config';
import type { WechatConnection } from './interfaces/wechat-options.interface';

/*
 * The `connections` option field by field: what each check accepts at its
 * edges, and the exact message that names the connection and the field.
 */

const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const mini = { id: 'mini', type: 'WECHAT_MINIPROGRAM', appId: 'wx1', appSecret: 's1' } as WechatConnection;
const oa = { id: 'oa', type: 'WECHAT_OFFICIAL_ACCOUNT', appId: 'wx2', appSecret: 's2', token: 't' } as WechatConnection;

/** The message a list of connections is refused with, without the module's prefix; 'ok' when accepted. */
function refusal(connections: unknown): string {
  return configRefusal(() => resolveWechatConnections(connections as WechatConnection[]));
}
const one = (connection: Record<string, unknown>) => refusal([connection]);

describe('resolveWechatConnections', () => {
  it('needs a non-empty list', () => {
    const message =
      '"connections" must list at least one WeChat app, e.g. [{ id: "mini", type: "WECHAT_MINIPROGRAM", appId: "wx…", appSecret: "…" }].';
    expect(refusal(undefined)).toBe(message);
    expect(refusal([])).toBe(message);
    expect(refusal({ 0: mini, length: 1 })).toBe(message);
  });

  it('decides enabled (default true) and keeps every field', () => {
    const resolved = resolveWechatConnections([mini, { ...oa, enabled: false }, { ...mini, id: 'm2', enabled: true }]);
    expect(resolved).toEqual([
      { ...mini, enabled: true },
      { ...oa, enabled: false },
      { ...mini, id: 'm2', enabled: true },
    ]);
  });

  it('refuses an entry that is no object', () => {
    const message = (i: number) =>
      `connections[${i}] must be an object such as { id: "mini", type: "WECHAT_MINIPROGRAM", appId, appSecret }.`;
    expect(refusal([null])).toBe(message(0));
    expect(refusal([mini, 'mini'])).toBe(message(1));
  });

  it('takes ids of 1 to 64 URL-safe characters, each once', () => {
    expect(one({ ...mini, id: 'a' })).toBe('ok');
    expect(one({ ...mini, id: `A-_9${'x'.repeat(60)}` })).toBe('ok');
    expect(one({ ...mini, id: 'x'.repeat(65) })).toBe(
      `connections[0]: "id" must be 1 to 64 letters, digits, "-" or "_" (it appears in URLs); got "${'x'.repeat(65)}".`,
    );
    expect(one({ ...mini, id: '' })).toBe(
      'connections[0]: "id" must be 1 to 64 letters, digits, "-" or "_" (it appears in URLs); got "".',
    );
    for (const id of [' x', 'x ', 'a/b', 'a.b', 'é'])
      expect(one({ ...mini, id })).toBe(
        `connections[0]: "id" must be 1 to 64 letters, digits, "-" or "_" (it appears in URLs); got ${JSON.stringify(id)}.`,
      );
    expect(one({ ...mini, id: 7 })).toBe(
      'connections[0]: "id" must be 1 to 64 letters, digits, "-" or "_" (it appears in URLs); got 7.',
    );
    expect(refusal([mini, oa, { ...oa }])).toBe('two connections have the id "oa"; give each its own.');
  });

  it('takes the two types only', () => {
    expect(one({ ...mini, type: 'MOBILE_APP' })).toBe(
      'connection "mini": "type" must be "WECHAT_MINIPROGRAM" or "WECHAT_OFFICIAL_ACCOUNT"; got "MOBILE_APP".',
    );
    expect(one({ ...mini, type: undefined })).toBe(
      'connection "mini": "type" must be "WECHAT_MINIPROGRAM" or "WECHAT_OFFICIAL_ACCOUNT"; got undefined.',
    );
  });

  it('needs an app id and secret that are not blank, and says what it got', () => {
    expect(one({ ...mini, appId: '' })).toBe(
      'connection "mini": "appId" must be a non-empty string; got an empty string.',
    );
    expect(one({ ...mini, appId: '  ' })).toBe('connection "mini": "appId" must be a non-empty string; got string.');
    expect(one({ ...mini, appSecret: 12 })).toBe(
      'connection "mini": "appSecret" must be a non-empty string; got number.',
    );
    expect(one({ ...mini, appSecret: undefined })).toBe(
      'connection "mini": "appSecret" must be a non-empty string; got undefined.',
    );
  });

  it('takes enabled as a boolean only', () => {
    expect(one({ ...mini, enabled: 'yes' })).toBe('connection "mini": "enabled" must be true or false.');
    expect(one({ ...mini, enabled: null })).toBe('connection "mini": "enabled" must be true or false.');
    expect(one({ ...mini, enabled: undefined })).toBe('ok');
  });

  it('takes an http(s) or data:image logo URL, in any case', () => {
    for (const logoUrl of ['http://x.test/l.png', 'HTTPS://x.test/l.png', 'data:image/png;base64,AA'])
      expect(one({ ...mini, logoUrl })).toBe('ok');
    const message = 'connection "mini": "logoUrl" must be an http(s) URL or a data:image/… URL.';
    const url = new URL('https://x.test/l.png');
    for (const logoUrl of ['ftp://x.test/l.png', 'x http://x.test', 'data:text/plain,x', 42, url, [url.href]])
      expect(one({ ...mini, logoUrl })).toBe(message);
  });

  it("checks a mini program's page, envVersion, checkPath and width", () => {
    const page =
      'connection "mini": "page" must be a page path without a leading slash, such as "pages/qr-login/index".';
    expect(one({ ...mini, page: 'pages/a/index' })).toBe('ok');
    expect(one({ ...mini, page: '' })).toBe(page);
    expect(one({ ...mini, page: '/pages/a' })).toBe(page);
    expect(one({ ...mini, page: 3 })).toBe(page);
    for (const envVersion of ['release', 'trial', 'develop']) expect(one({ ...mini, envVersion })).toBe('ok');
    expect(one({ ...mini, envVersion: 'beta' })).toBe(
      'connection "mini": "envVersion" must be "release", "trial" or "develop"; got "beta".',
    );
    expect(one({ ...mini, checkPath: false })).toBe('ok');
    expect(one({ ...mini, checkPath: true })).toBe('ok');
    expect(one({ ...mini, checkPath: 'no' })).toBe('connection "mini": "checkPath" must be true or false.');
    expect(one({ ...mini, width: 280 })).toBe('ok');
    expect(one({ ...mini, width: 1280 })).toBe('ok');
    const width = (got: string) =>
      `connection "mini": "width" must be a whole number of pixels from 280 to 1280 (WeChat's limits); got ${got}.`;
    expect(one({ ...mini, width: 279 })).toBe(width('279'));
    expect(one({ ...mini, width: 1281 })).toBe(width('1281'));
    expect(one({ ...mini, width: 430.5 })).toBe(width('430.5'));
    expect(one({ ...mini, width: '430' })).toBe(width('430'));
    expect(one({ ...mini, width: Number.NaN })).toBe(width('NaN'));
  });

  it('does not hold a mini program to the official account fields, nor the reverse', () => {
    expect(one({ ...mini, encodingAESKey: 'short', loginOnScan: 'x' })).toBe('ok');
    expect(one({ ...oa, page: '/x', width: 1, envVersion: 'beta', checkPath: 'x' })).toBe('ok');
  });

  it("checks an official account's token, AES key, original id and loginOnScan", () => {
    expect(one({ ...oa, token: '' })).toBe('connection "oa": "token" must be a non-empty string; got an empty string.');
    expect(one({ ...oa, token: undefined })).toBe(
      'connection "oa": "token" must be a non-empty string; got undefined.',
    );
    expect(one({ ...oa, encodingAESKey: KEY, originalId: 'gh_1' })).toBe('ok');
    const aes =
      'connection "oa": "encodingAESKey" must be the 43 letters and digits of the account\'s EncodingAESKey, or be left out for the plain message mode.';
    expect(one({ ...oa, encodingAESKey: KEY.slice(1), originalId: 'gh_1' })).toBe(aes);
    expect(one({ ...oa, encodingAESKey: `${KEY}A`, originalId: 'gh_1' })).toBe(aes);
    expect(one({ ...oa, encodingAESKey: 43, originalId: 'gh_1' })).toBe(aes);
    expect(one({ ...oa, encodingAESKey: [KEY], originalId: 'gh_1' })).toBe(aes);
    expect(one({ ...oa, encodingAESKey: `+/${KEY.slice(2)}`, originalId: 'gh_1' })).toBe('ok');
    expect(one({ ...oa, encodingAESKey: `=${KEY.slice(1)}`, originalId: 'gh_1' })).toBe(aes);
    expect(one({ ...oa, encodingAESKey: `${KEY.slice(1)}=`, originalId: 'gh_1' })).toBe(aes);
    const original = 'connection "oa": "originalId" must be the account\'s original id, such as "gh_0123456789ab".';
    expect(one({ ...oa, originalId: ' ' })).toBe(original);
    expect(one({ ...oa, originalId: 5 })).toBe(original);
    expect(one({ ...oa, originalId: 'gh_1' })).toBe('ok');
    expect(one({ ...oa, encodingAESKey: KEY })).toBe(
      'connection "oa": the safe mode ("encodingAESKey") needs "originalId", the account\'s original id (gh_…, shown as 原始ID in the admin console), so pushes addressed to another account are refused.',
    );
    expect(one({ ...oa, loginOnScan: true })).toBe('ok');
    expect(one({ ...oa, loginOnScan: false })).toBe('ok');
    expect(one({ ...oa, loginOnScan: 1 })).toBe('connection "oa": "loginOnScan" must be true or false.');
  });
});
