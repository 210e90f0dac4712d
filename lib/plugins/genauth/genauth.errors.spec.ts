import { HttpException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { QrLoginErrorCode, qrErrors } from '../../plugin';
import { failureOf, v2CodeOf } from './genauth.errors';

/*
 * How any thrown value becomes the failure both envelopes carry, and V2's
 * numeric codes. The routes' specs see the same over HTTP; these pin the
 * cases an app's own strategies can throw.
 */

describe('failureOf', () => {
  it("keeps a module exception's status, code and message", () => {
    expect(failureOf(qrErrors.validation('"type" is required.'))).toStrictEqual({
      status: 400,
      code: QrLoginErrorCode.VALIDATION_FAILED,
      message: '"type" is required.',
    });
  });

  it('joins a list of messages and drops a code that is not a string', () => {
    expect(failureOf(new HttpException({ message: ['first', 'second'], code: 7 }, 422))).toStrictEqual({
      status: 422,
      message: 'first; second',
    });
    expect(failureOf(new HttpException({ message: 7 }, 400))).toStrictEqual({ status: 400, message: 'Http Exception' });
  });

  it("answers a text body as it is, and the exception's message for any other body", () => {
    const text = new HttpException('shown to the client', 418);
    text.message = 'a message that differs from the body';
    expect(failureOf(text)).toStrictEqual({ status: 418, message: 'shown to the client' });
    const empty = new HttpException(null as any, 409);
    expect(failureOf(empty)).toStrictEqual({ status: 409, message: empty.message });
    expect(failureOf(new HttpException(42 as any, 400))).toStrictEqual({ status: 400, message: 'Http Exception' });
  });

  it('hides anything else behind a 500 whose details stay in the server log', () => {
    expect(failureOf(new Error('database on fire'))).toStrictEqual({
      status: 500,
      message: 'Internal server error; the server log has the details.',
    });
  });
});

describe('v2CodeOf', () => {
  it("answers GenAuth's 2241 and 2020, else the status", () => {
    expect(v2CodeOf({ status: 404, code: QrLoginErrorCode.NOT_FOUND, message: 'm' })).toBe(2241);
    expect(v2CodeOf({ status: 401, code: QrLoginErrorCode.APP_USER_UNAUTHENTICATED, message: 'm' })).toBe(2020);
    expect(v2CodeOf({ status: 409, code: QrLoginErrorCode.WRONG_STATE, message: 'm' })).toBe(409);
    expect(v2CodeOf({ status: 401, message: 'm' })).toBe(401);
  });
});
