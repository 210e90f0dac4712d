import { type ArgumentsHost, Catch, type ExceptionFilter, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { QrLoginError, QrLoginStoreFullError, QrLoginStoreUnavailableError } from '../kernel/qr-login.errors';
import { QrLoginException, toHttpError } from './qr-login.exception';

/**
 * Answers the kernel's refusals on the module's routes (native, WeChat,
 * device grant) as `{ statusCode, code, message }`, with `Retry-After` on
 * 429 and 503. Bound to those controllers only, so the app's own filters and
 * routes are untouched.
 */
@Catch(QrLoginError, QrLoginException, QrLoginStoreUnavailableError, QrLoginStoreFullError)
@Injectable()
export class QrLoginErrorFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const mapped = toHttpError(error) as QrLoginException;
    const response = host.switchToHttp().getResponse();
    const adapter = this.adapterHost.httpAdapter;
    if (mapped.retryAfterSeconds !== undefined)
      adapter.setHeader(response, 'Retry-After', String(mapped.retryAfterSeconds));
    adapter.reply(response, mapped.getResponse(), mapped.getStatus());
  }
}
