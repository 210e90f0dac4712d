import { Type } from 'class-transformer';
import { IsIn, IsString, ValidateNested } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { QrLoginError } from '../kernel/qr-login.errors';
import { CreateQrCodeDto } from './dto/create-qr-code.dto';
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

class Inner {
  @IsString()
  name!: string;
}

class Outer {
  @IsIn(['a', 'b'])
  kind!: string;

  @ValidateNested()
  @Type(() => Inner)
  inner!: Inner;
}

/** The refusal thrown by the pipe, or undefined. */
async function refusalOf(run: () => Promise<unknown>): Promise<QrLoginError | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    if (error instanceof QrLoginError) return error;
    throw error;
  }
}

describe('qrLoginValidationPipe validation', () => {
  const pipe = qrLoginValidationPipe();

  it('turns the body into the DTO and drops fields the DTO does not declare', async () => {
    const dto = await pipe.transform(
      { type: 'MOBILE_APP', extra: 'dropped' },
      { type: 'body', metatype: CreateQrCodeDto },
    );
    expect(dto).toBeInstanceOf(CreateQrCodeDto);
    expect(dto).toEqual({ type: 'MOBILE_APP' });
  });

  it('refuses a bad field with QR_VALIDATION_FAILED, every message joined, nested ones by their path', async () => {
    const refusal = await refusalOf(() =>
      pipe.transform({ kind: 'c', inner: { name: 5 } }, { type: 'body', metatype: Outer }),
    );
    expect(refusal?.code).toBe('QR_VALIDATION_FAILED');
    expect(refusal?.message).toBe('kind must be one of the following values: a, b; inner.name must be a string');
  });
});
