import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { qrErrors } from '../kernel/qr-login.errors';

function messagesOf(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((m) => m.replace(error.property, path));
    return [...own, ...messagesOf(error.children ?? [], path)];
  });
}

/**
 * The module's own validation, applied to its controllers only, so the app's
 * global pipes (or their absence) do not change the contract. Unknown fields
 * are dropped, not refused, as GenAuth clients send extra ones.
 */
export function qrLoginValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    transform: true,
    exceptionFactory: (errors) => qrErrors.validation(messagesOf(errors).join('; ') || 'The request is malformed.'),
  });
}
