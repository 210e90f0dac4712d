import { describe, expect, it } from 'vitest';
import { QrLoginConfigError, QrLoginException } from '../../plugin';
import {
  QrLoginWechatConfigError,
  QrLoginWechatErrorCode,
  QrLoginWechatException,
  WechatApiError,
  wechatErrors,
} from './wechat.errors';

/*
 * Each error of the WeChat routes with its status, stable code and the exact
 * words that say how to fix it.
 */

const apiError = () => new WechatApiError('cgi-bin/qrcode/create', 40001, 'invalid credential');

/** Each made inside its test, so the test that checks a factory is the one that reached it. */
const cases: [string, () => QrLoginWechatException, number, string, string][] = [
  [
    'connectionNotFound without an id',
    () => wechatErrors.connectionNotFound('WECHAT_MINIPROGRAM', undefined),
    400,
    'QR_WECHAT_CONNECTION_NOT_FOUND',
    `No enabled WECHAT_MINIPROGRAM connection is configured; add one to QrLoginWechatModule's "connections".`,
  ],
  [
    'connectionNotFound with an id',
    () => wechatErrors.connectionNotFound('WECHAT_OFFICIAL_ACCOUNT', 'oa-x'),
    400,
    'QR_WECHAT_CONNECTION_NOT_FOUND',
    `No enabled WECHAT_OFFICIAL_ACCOUNT connection has the id "oa-x"; use the id of one of QrLoginWechatModule's "connections".`,
  ],
  [
    'wrongType',
    () => wechatErrors.wrongType('MOBILE_APP', 'WECHAT_MINIPROGRAM'),
    409,
    'QR_WECHAT_WRONG_TYPE',
    'This QR code is of type MOBILE_APP, not WECHAT_MINIPROGRAM; scan it with the app it was made for.',
  ],
  [
    'loginCodeInvalid',
    () => wechatErrors.loginCodeInvalid(),
    401,
    'QR_WECHAT_LOGIN_CODE_INVALID',
    'WeChat refused the login code: call wx.login() again right before each request; a code works once and expires in 5 minutes.',
  ],
  [
    'userRefused',
    () => wechatErrors.userRefused(),
    403,
    'QR_WECHAT_USER_REFUSED',
    'This WeChat user may not log in here.',
  ],
  [
    'signatureInvalid',
    () => wechatErrors.signatureInvalid(),
    401,
    'QR_WECHAT_SIGNATURE_INVALID',
    'The WeChat signature does not match; check that the connection\'s "token" (and "encodingAESKey") equal the official account\'s server configuration.',
  ],
  [
    'pushStale',
    () => wechatErrors.pushStale(300),
    401,
    'QR_WECHAT_PUSH_STALE',
    `The WeChat push's timestamp is more than 300 s from now; a push URL cannot be replayed later. If WeChat's own pushes hit this, fix the server's clock (NTP) or raise "pushTimestampWindow".`,
  ],
  [
    'pushReplayed',
    () => wechatErrors.pushReplayed(),
    401,
    'QR_WECHAT_PUSH_REPLAYED',
    'This WeChat push (timestamp and nonce) was received already; each push is accepted once.',
  ],
  [
    'plaintextRefused',
    () => wechatErrors.plaintextRefused('oa'),
    400,
    'QR_WECHAT_PLAINTEXT_REFUSED',
    'Connection "oa" is in safe mode ("encodingAESKey" is set): only encrypted pushes with msg_signature are accepted. Set the account\'s message encryption mode to safe mode (安全模式), or remove "encodingAESKey".',
  ],
  [
    'wrongAccount',
    () => wechatErrors.wrongAccount('oa'),
    400,
    'QR_WECHAT_WRONG_ACCOUNT',
    'The WeChat push is addressed to another account than connection "oa"\'s "originalId"; check that the server URL and "originalId" belong to the same account.',
  ],
  [
    'connectionMismatch',
    () => wechatErrors.connectionMismatch('mini'),
    409,
    'QR_WECHAT_CONNECTION_MISMATCH',
    'This QR code was made by WeChat connection "mini"; act on it from that mini program (connectionId "mini", or leave connectionId out).',
  ],
  [
    'webhookBodyInvalid',
    () => wechatErrors.webhookBodyInvalid('no Encrypt field'),
    400,
    'QR_WECHAT_WEBHOOK_BODY_INVALID',
    'The WeChat push cannot be read: no Encrypt field',
  ],
  [
    'rateLimited',
    () => wechatErrors.rateLimited('wxa/getwxacodeunlimit', 45009),
    503,
    'QR_WECHAT_RATE_LIMITED',
    "WeChat's call quota for wxa/getwxacodeunlimit is used up (errcode 45009); retry later, or reset the quota in the WeChat admin console.",
  ],
  [
    'apiError without a hint',
    () => wechatErrors.apiError(apiError()),
    502,
    'QR_WECHAT_API_ERROR',
    'WeChat cgi-bin/qrcode/create answered errcode 40001: invalid credential',
  ],
  [
    'apiError with a hint',
    () => wechatErrors.apiError(apiError(), 'Check the secret'),
    502,
    'QR_WECHAT_API_ERROR',
    'WeChat cgi-bin/qrcode/create answered errcode 40001: invalid credential. Check the secret',
  ],
  [
    'unavailable',
    () => wechatErrors.unavailable('sns/jscode2session', 'unreachable'),
    503,
    'QR_WECHAT_UNAVAILABLE',
    'WeChat sns/jscode2session is unavailable (unreachable); retry in a moment.',
  ],
  [
    'logoUnavailable',
    () => wechatErrors.logoUnavailable('mini', 'HTTP 404'),
    502,
    'QR_WECHAT_LOGO_UNAVAILABLE',
    'The logo of connection "mini" cannot be loaded for merging (HTTP 404); check its "logoUrl".',
  ],
  [
    'mergeUnavailable',
    () => wechatErrors.mergeUnavailable(),
    501,
    'QR_WECHAT_MERGE_UNAVAILABLE',
    'autoMergeQrCode needs the optional package "sharp" on the server (npm install sharp); or leave autoMergeQrCode off and stitch customLogoUrl on the client.',
  ],
];

describe('wechatErrors', () => {
  it.each(cases)('%s: status, code and message', (_name, make, status, code, message) => {
    const error = make();
    expect(error).toBeInstanceOf(QrLoginWechatException);
    expect(error).toBeInstanceOf(QrLoginException);
    expect(error.getStatus()).toBe(status);
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
  });

  it('names the audit code of a mismatched push', () => {
    expect(wechatErrors.connectionMismatchCode).toBe(QrLoginWechatErrorCode.CONNECTION_MISMATCH);
    expect(wechatErrors.connectionMismatchCode).toBe('QR_WECHAT_CONNECTION_MISMATCH');
  });
});

describe('QrLoginWechatConfigError and WechatApiError', () => {
  it('prefixes a configuration error with the module, under its own name', () => {
    const error = new QrLoginWechatConfigError('set "connections".');
    expect(error).toBeInstanceOf(QrLoginConfigError);
    expect(error.message).toBe('QrLoginWechatModule is misconfigured: set "connections".');
    expect(error.name).toBe('QrLoginWechatConfigError');
  });

  it("carries WeChat's api, errcode and errmsg", () => {
    const api = apiError();
    expect(api).toMatchObject({ api: 'cgi-bin/qrcode/create', errcode: 40001, errmsg: 'invalid credential' });
    expect(api.message).toBe('WeChat cgi-bin/qrcode/create answered errcode 40001: invalid credential');
    expect(api.name).toBe('WechatApiError');
  });
});
