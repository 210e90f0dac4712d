import { HttpStatus } from '@nestjs/common';
import { QrLoginConfigError, QrLoginException } from '../../plugin';

/**
 * Stable, machine-readable codes of the WeChat routes' own errors, beside the
 * core's `QrLoginErrorCode`s (which these routes answer too). Never renamed or reused.
 */
export const QrLoginWechatErrorCode = {
  /** 400: `extIdpConnId` / `connectionId` names no enabled connection of the code's type, or none is configured. */
  CONNECTION_NOT_FOUND: 'QR_WECHAT_CONNECTION_NOT_FOUND',
  /** 409: the code is of another type (e.g. a MOBILE_APP code sent to the mini-program routes). */
  WRONG_TYPE: 'QR_WECHAT_WRONG_TYPE',
  /** 401: WeChat refused the mini program's `wx.login` code (invalid or used already; a code works once). */
  LOGIN_CODE_INVALID: 'QR_WECHAT_LOGIN_CODE_INVALID',
  /** 403: `findOrCreateUser` returned no user for this WeChat user. */
  USER_REFUSED: 'QR_WECHAT_USER_REFUSED',
  /** 401: a webhook push whose signature does not match the connection's token. */
  SIGNATURE_INVALID: 'QR_WECHAT_SIGNATURE_INVALID',
  /** 400: a webhook push whose body is not a WeChat XML message (or cannot be decrypted). */
  WEBHOOK_BODY_INVALID: 'QR_WECHAT_WEBHOOK_BODY_INVALID',
  /** 401: a webhook push whose `timestamp` is further from now than `pushTimestampWindow` (a logged URL replayed later, or a skewed clock). */
  PUSH_STALE: 'QR_WECHAT_PUSH_STALE',
  /** 401: a webhook push whose (timestamp, nonce) was seen already within the window, on any instance: a replay. */
  PUSH_REPLAYED: 'QR_WECHAT_PUSH_REPLAYED',
  /** 400: a plaintext push to a safe-mode connection (one with `encodingAESKey`); only encrypted pushes with `msg_signature` are accepted. */
  PLAINTEXT_REFUSED: 'QR_WECHAT_PLAINTEXT_REFUSED',
  /** 400: a push addressed (`ToUserName`) to another account than the connection's `originalId`. */
  WRONG_ACCOUNT: 'QR_WECHAT_WRONG_ACCOUNT',
  /** 409: a mini-program call naming another connection than the one that made the code; on a push, audit only (WeChat still gets "success"). */
  CONNECTION_MISMATCH: 'QR_WECHAT_CONNECTION_MISMATCH',
  /** 503: WeChat's call quota of the app is used up (errcode 45009 / 45011); retry later. */
  RATE_LIMITED: 'QR_WECHAT_RATE_LIMITED',
  /** 502: WeChat answered an error; the message carries its errcode and errmsg. */
  API_ERROR: 'QR_WECHAT_API_ERROR',
  /** 503: WeChat could not be reached, timed out, or said it is busy; retry later. */
  UNAVAILABLE: 'QR_WECHAT_UNAVAILABLE',
  /** 502: the connection's logo could not be loaded for `autoMergeQrCode`. */
  LOGO_UNAVAILABLE: 'QR_WECHAT_LOGO_UNAVAILABLE',
  /** 501: `autoMergeQrCode` needs the optional package `sharp`, which is not installed. */
  MERGE_UNAVAILABLE: 'QR_WECHAT_MERGE_UNAVAILABLE',
} as const;

export type QrLoginWechatErrorCode = (typeof QrLoginWechatErrorCode)[keyof typeof QrLoginWechatErrorCode];

/** An HTTP error of the WeChat routes: a `QrLoginException` with one of `QrLoginWechatErrorCode`. */
export class QrLoginWechatException extends QrLoginException {
  declare readonly code: QrLoginWechatErrorCode;

  constructor(status: HttpStatus, code: QrLoginWechatErrorCode, message: string) {
    super(status, code, message);
  }
}

/** Thrown while the module starts when its options cannot work; the message says how to fix them. */
export class QrLoginWechatConfigError extends QrLoginConfigError {
  constructor(message: string) {
    super(message);
    this.message = `QrLoginWechatModule is misconfigured: ${message}`;
    this.name = 'QrLoginWechatConfigError';
  }
}

/**
 * WeChat answered `{ errcode, errmsg }` (or something that is not an answer).
 * Internal: the service turns it into a `QrLoginWechatException` at the edge,
 * after deciding whether a retry helps.
 * @internal
 */
export class WechatApiError extends Error {
  constructor(
    /** The API path, e.g. `cgi-bin/qrcode/create`. */
    readonly api: string,
    /** WeChat's errcode; -1 also stands for "no usable answer". */
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(`WeChat ${api} answered errcode ${errcode}: ${errmsg}`);
    this.name = 'WechatApiError';
  }
}

const E = QrLoginWechatErrorCode;
const S = HttpStatus;

/** Factories for the errors, so each message is written once. @internal */
export const wechatErrors = {
  connectionMismatchCode: E.CONNECTION_MISMATCH,
  connectionNotFound: (type: string, id: string | undefined) =>
    new QrLoginWechatException(
      S.BAD_REQUEST,
      E.CONNECTION_NOT_FOUND,
      id === undefined
        ? `No enabled ${type} connection is configured; add one to QrLoginWechatModule's "connections".`
        : `No enabled ${type} connection has the id "${id}"; use the id of one of QrLoginWechatModule's "connections".`,
    ),
  wrongType: (actual: string, expected: string) =>
    new QrLoginWechatException(
      S.CONFLICT,
      E.WRONG_TYPE,
      `This QR code is of type ${actual}, not ${expected}; scan it with the app it was made for.`,
    ),
  loginCodeInvalid: () =>
    new QrLoginWechatException(
      S.UNAUTHORIZED,
      E.LOGIN_CODE_INVALID,
      'WeChat refused the login code: call wx.login() again right before each request; a code works once and expires in 5 minutes.',
    ),
  userRefused: () => new QrLoginWechatException(S.FORBIDDEN, E.USER_REFUSED, 'This WeChat user may not log in here.'),
  signatureInvalid: () =>
    new QrLoginWechatException(
      S.UNAUTHORIZED,
      E.SIGNATURE_INVALID,
      'The WeChat signature does not match; check that the connection\'s "token" (and "encodingAESKey") equal the official account\'s server configuration.',
    ),
  pushStale: (windowSeconds: number) =>
    new QrLoginWechatException(
      S.UNAUTHORIZED,
      E.PUSH_STALE,
      `The WeChat push's timestamp is more than ${windowSeconds} s from now; a push URL cannot be replayed later. If WeChat's own pushes hit this, fix the server's clock (NTP) or raise "pushTimestampWindow".`,
    ),
  pushReplayed: () =>
    new QrLoginWechatException(
      S.UNAUTHORIZED,
      E.PUSH_REPLAYED,
      'This WeChat push (timestamp and nonce) was received already; each push is accepted once.',
    ),
  plaintextRefused: (connectionId: string) =>
    new QrLoginWechatException(
      S.BAD_REQUEST,
      E.PLAINTEXT_REFUSED,
      `Connection "${connectionId}" is in safe mode ("encodingAESKey" is set): only encrypted pushes with msg_signature are accepted. Set the account's message encryption mode to safe mode (安全模式), or remove "encodingAESKey".`,
    ),
  wrongAccount: (connectionId: string) =>
    new QrLoginWechatException(
      S.BAD_REQUEST,
      E.WRONG_ACCOUNT,
      `The WeChat push is addressed to another account than connection "${connectionId}"'s "originalId"; check that the server URL and "originalId" belong to the same account.`,
    ),
  connectionMismatch: (made: string) =>
    new QrLoginWechatException(
      S.CONFLICT,
      E.CONNECTION_MISMATCH,
      `This QR code was made by WeChat connection "${made}"; act on it from that mini program (connectionId "${made}", or leave connectionId out).`,
    ),
  webhookBodyInvalid: (why: string) =>
    new QrLoginWechatException(S.BAD_REQUEST, E.WEBHOOK_BODY_INVALID, `The WeChat push cannot be read: ${why}`),
  rateLimited: (api: string, errcode: number) =>
    new QrLoginWechatException(
      S.SERVICE_UNAVAILABLE,
      E.RATE_LIMITED,
      `WeChat's call quota for ${api} is used up (errcode ${errcode}); retry later, or reset the quota in the WeChat admin console.`,
    ),
  apiError: (error: WechatApiError, hint = '') =>
    new QrLoginWechatException(S.BAD_GATEWAY, E.API_ERROR, `${error.message}${hint ? `. ${hint}` : ''}`),
  unavailable: (api: string, why: string) =>
    new QrLoginWechatException(
      S.SERVICE_UNAVAILABLE,
      E.UNAVAILABLE,
      `WeChat ${api} is unavailable (${why}); retry in a moment.`,
    ),
  logoUnavailable: (connectionId: string, why: string) =>
    new QrLoginWechatException(
      S.BAD_GATEWAY,
      E.LOGO_UNAVAILABLE,
      `The logo of connection "${connectionId}" cannot be loaded for merging (${why}); check its "logoUrl".`,
    ),
  mergeUnavailable: () =>
    new QrLoginWechatException(
      S.NOT_IMPLEMENTED,
      E.MERGE_UNAVAILABLE,
      'autoMergeQrCode needs the optional package "sharp" on the server (npm install sharp); or leave autoMergeQrCode off and stitch customLogoUrl on the client.',
    ),
};
