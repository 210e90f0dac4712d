import { describe, expect, it } from 'vitest';
import {
  QrLoginError,
  QrLoginErrorCode,
  QrLoginStoreFullError,
  QrLoginStoreUnavailableError,
  qrErrors,
} from '../kernel/qr-login.errors';
import { QrLoginException, httpStatusOf, toHttpError } from './qr-login.exception';

/*
 * Where a kernel refusal meets HTTP: the status of each stable code, the body
 * every route answers, and the store's own failures answered without their
 * internal message.
 */

/** The status each code answers (docs/errors.md and the plugin pages say the same). */
const STATUS: Record<QrLoginErrorCode, number> = {
  QR_VALIDATION_FAILED: 400,
  QR_APP_USER_UNAUTHENTICATED: 401,
  QR_TICKET_MISSING: 401,
  QR_TICKET_INVALID: 401,
  QR_TICKET_EXPIRED: 401,
  QR_TICKET_USED: 401,
  QR_CREATOR_SECRET_REQUIRED: 401,
  QR_DPOP_PROOF_REQUIRED: 401,
  QR_DPOP_KEY_MISMATCH: 401,
  QR_DPOP_INVALID: 401,
  QR_DPOP_METHOD_MISMATCH: 401,
  QR_DPOP_URL_MISMATCH: 401,
  QR_DPOP_EXPIRED: 401,
  QR_DPOP_REPLAYED: 401,
  QR_DPOP_TOKEN_MISMATCH: 401,
  QR_USER_REFUSED: 401,
  QR_NOT_SCANNER: 403,
  QR_MATCH_FAILED: 403,
  QR_MATCH_REQUIRED: 400,
  QR_USER_CODE_REQUIRED: 403,
  QR_RATE_LIMITED: 429,
  QR_NOT_FOUND: 404,
  QR_USER_CODE_NOT_FOUND: 404,
  QR_WRONG_STATE: 409,
  QR_ALREADY_SCANNED: 409,
  QR_EXPIRED: 410,
  QR_PAYLOAD_TOO_LARGE: 413,
  QR_STORE_UNAVAILABLE: 503,
  QR_STORE_FULL: 503,
  QR_RISK_DENIED: 403,
  QR_ORIGIN_NOT_ALLOWED: 403,
  QR_PASSKEY_REQUIRED: 403,
  QR_PASSKEY_INVALID: 403,
  QR_PASSKEY_REPLAYED: 403,
  QR_PASSKEY_COUNTER: 403,
  QR_PASSKEY_REGISTRATION_CLOSED: 403,
  QR_PASSKEY_REGISTRATION_FAILED: 400,
  QR_PASSKEYS_DISABLED: 404,
};

describe('httpStatusOf', () => {
  it('answers every kernel code with its status', () => {
    const codes = Object.values(QrLoginErrorCode);
    expect(Object.keys(STATUS).sort()).toEqual([...codes].sort());
    for (const code of codes) expect([code, httpStatusOf(code)]).toEqual([code, STATUS[code]]);
  });

  it('answers 500 for a code it does not know', () => {
    expect(httpStatusOf('QR_SOMETHING_NEW' as QrLoginErrorCode)).toBe(500);
  });
});

describe('QrLoginException', () => {
  it('answers { statusCode, code, message } with its status', () => {
    const exception = new QrLoginException(418, 'QR_PLUGIN_CODE', 'Say how to fix it.');
    expect(exception.getStatus()).toBe(418);
    expect(exception.getResponse()).toStrictEqual({
      statusCode: 418,
      code: 'QR_PLUGIN_CODE',
      message: 'Say how to fix it.',
    });
    expect(exception.code).toBe('QR_PLUGIN_CODE');
  });

  it('carries Retry-After seconds only when given', () => {
    expect(new QrLoginException(429, 'QR_RATE_LIMITED', 'm', { retryAfterSeconds: 7 }).retryAfterSeconds).toBe(7);
    expect(new QrLoginException(429, 'QR_RATE_LIMITED', 'm', { retryAfterSeconds: 0 }).retryAfterSeconds).toBe(0);
    expect(new QrLoginException(404, 'QR_NOT_FOUND', 'm').retryAfterSeconds).toBeUndefined();
    expect(new QrLoginException(404, 'QR_NOT_FOUND', 'm', {}).retryAfterSeconds).toBeUndefined();
  });
});

describe('toHttpError', () => {
  it("keeps a kernel refusal's code and message, with its status", () => {
    const mapped = toHttpError(qrErrors.notFound()) as QrLoginException;
    expect(mapped).toBeInstanceOf(QrLoginException);
    expect(mapped.getStatus()).toBe(404);
    expect(mapped.getResponse()).toStrictEqual({
      statusCode: 404,
      code: 'QR_NOT_FOUND',
      message: qrErrors.notFound().message,
    });
    expect(mapped.retryAfterSeconds).toBeUndefined();
  });

  it("keeps a refusal's Retry-After", () => {
    const mapped = toHttpError(qrErrors.rateLimited(42)) as QrLoginException;
    expect([mapped.getStatus(), mapped.code, mapped.retryAfterSeconds]).toEqual([429, 'QR_RATE_LIMITED', 42]);
  });

  it("answers an unreachable store as 503 QR_STORE_UNAVAILABLE, never with the store's own message", () => {
    const failure = new QrLoginStoreUnavailableError('connect ECONNREFUSED redis://:hunter2@10.0.0.5:6379');
    const mapped = toHttpError(failure) as QrLoginException;
    expect(mapped.getStatus()).toBe(503);
    expect(mapped.getResponse()).toStrictEqual({
      statusCode: 503,
      code: 'QR_STORE_UNAVAILABLE',
      message: 'The QR login store is unreachable right now; retry in a moment.',
    });
    expect(JSON.stringify(mapped.getResponse())).not.toContain('hunter2');
  });

  it.each([
    [1_000, 1],
    [1_001, 2],
    [59_500, 60],
    [0, 1],
    [-5, 1],
  ])('answers a full store as 503 QR_STORE_FULL; a slot free in %i ms is Retry-After %i s', (ms, seconds) => {
    const mapped = toHttpError(new QrLoginStoreFullError('internal: 10000 of maxCodes 10000', ms)) as QrLoginException;
    expect([mapped.getStatus(), mapped.code, mapped.retryAfterSeconds]).toEqual([503, 'QR_STORE_FULL', seconds]);
    expect((mapped.getResponse() as { message: string }).message).not.toContain('internal');
  });

  it('returns anything else as it is', () => {
    const own = new QrLoginException(400, 'QR_WECHAT_SOMETHING', 'm');
    const plain = new Error('boom');
    expect(toHttpError(own)).toBe(own);
    expect(toHttpError(plain)).toBe(plain);
    expect(toHttpError(undefined)).toBeUndefined();
  });

  it('maps a kernel error subclass the same way', () => {
    class Refusal extends QrLoginError {}
    const mapped = toHttpError(new Refusal('QR_EXPIRED', 'gone')) as QrLoginException;
    expect([mapped.getStatus(), mapped.code, (mapped.getResponse() as { message: string }).message]).toEqual([
      410,
      'QR_EXPIRED',
      'gone',
    ]);
  });
});
