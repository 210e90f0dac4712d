import { describe, expect, it } from 'vitest';
import { QrLoginError } from '../kernel/qr-login.errors';
import { qrLoginValidationPipe } from './qr-login.validation';

/*
 * The pipe's own depth bound (66 levels: the largest maxCustomDataDepth, 64,
 * plus the body and the field), exactly at and one past it. With no DTO class
 * the pipe hands the value on as it is, so only the depth check can refuse.
 */

function bodyOfDepth(levels: number): unknown {
  let value: unknown = 1;
  for (let level = 1; level < levels; level++) value = { a: value };
  return value;
}

describe('qrLoginValidationPipe depth bound', () => {
  const pipe = qrLoginValidationPipe();
  const metadata = { type: 'body' as const };

  it('passes a body exactly 66 levels deep on to validation', async () => {
    const body = bodyOfDepth(66);
    await expect(pipe.transform(body, metadata)).resolves.toBe(body);
  });

  it('refuses a body 67 levels deep with QR_VALIDATION_FAILED before validation walks it', async () => {
    let refusal: unknown;
    try {
      await pipe.transform(bodyOfDepth(67), metadata);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(QrLoginError);
    expect(refusal).toMatchObject({ code: 'QR_VALIDATION_FAILED' });
    expect((refusal as Error).message).toContain('nested deeper than 66 levels');
  });
});
