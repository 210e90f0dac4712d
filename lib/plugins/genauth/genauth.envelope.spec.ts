import { describe, expect, it } from 'vitest';
import { genAuthFail, genAuthOk, genAuthV2Fail, genAuthV2Ok } from './genauth.envelope';

/* The envelopes as values: what the routes' specs cannot see once JSON has dropped an undefined field. */

describe('GenAuth envelopes', () => {
  it('V3 success carries data only when there is some', () => {
    expect(genAuthOk()).toStrictEqual({ statusCode: 200, message: 'Success' });
    expect(genAuthOk({ success: true })).toStrictEqual({
      statusCode: 200,
      message: 'Success',
      data: { success: true },
    });
    expect(genAuthOk(null, 'Done')).toStrictEqual({ statusCode: 200, message: 'Done', data: null });
  });

  it('V3 failure carries a request id, and a code only when there is one', () => {
    expect(genAuthFail({ status: 500, message: 'm' })).toStrictEqual({
      statusCode: 500,
      message: 'm',
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(genAuthFail({ status: 404, code: 'QR_NOT_FOUND', message: 'm' })).toMatchObject({ code: 'QR_NOT_FOUND' });
  });

  it('V2 success and failure', () => {
    expect(genAuthV2Ok({ random: 'r' })).toStrictEqual({ code: 200, message: 'Success', data: { random: 'r' } });
    expect(genAuthV2Fail({ status: 404, code: 'QR_NOT_FOUND', message: 'm' })).toStrictEqual({
      code: 2241,
      message: 'm',
      data: null,
    });
  });
});
