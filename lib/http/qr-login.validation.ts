import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { qrErrors } from '../kernel/qr-login.errors';
import { jsonDepthExceeds } from '../kernel/qr-login.json-limits';

/**
 * Deepest request body any route accepts, before validation runs: the
 * largest `maxCustomDataDepth` (64) plus the field itself. The kernel then
 * applies the configured limit; this bound only keeps class-transformer (which
 * recurses) away from bodies nested thousands of levels deep.
 */
const MAX_BODY_DEPTH = 66;

function messagesOf(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((m) => m.replace(error.property, path));
    return [...own, ...messagesOf(error.children ?? [], path)];
  });
}

/** Validation that first refuses absurdly deep JSON (400), measured without recursion. */
class QrLoginValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (jsonDepthExceeds(value, MAX_BODY_DEPTH)) {
      throw qrErrors.validation(
        `The request is nested deeper than ${MAX_BODY_DEPTH} levels; send flat JSON (customData and context allow maxCustomDataDepth levels).`,
      );
    }
    return super.transform(value, metadata);
  }
}

/**
 * The module's own validation, applied to its controllers only, so the app's
 * global pipes (or their absence) do not change the contract. Unknown fields
 * are dropped, not refused, as GenAuth clients send extra ones.
 */
export function qrLoginValidationPipe(): ValidationPipe {
  return new QrLoginValidationPipe({
    whitelist: true,
    transform: true,
    exceptionFactory: (errors) => qrErrors.validation(messagesOf(errors).join('; ') || 'The request is malformed.'),
  });
}
