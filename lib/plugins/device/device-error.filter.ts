import { type ArgumentsHost, Catch, type ExceptionFilter, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { QrLoginError, QrLoginException, QrLoginStoreFullError, QrLoginStoreUnavailableError } from '../../plugin';
import { QrLoginDeviceGrantException, deviceErrors } from './device.errors';

/**
 * Answers the device grant's refusals as RFC 6749 §5.2 bodies
 * (`{ error, error_description }`) with `Cache-Control: no-store`, a Basic
 * challenge on 401 after a Basic attempt, and `Retry-After` on 429 / 503.
 * A refusal from the kernel's guards (the rate limit) is translated here.
 * @internal
 */
@Catch(QrLoginError, QrLoginException, QrLoginStoreUnavailableError, QrLoginStoreFullError)
@Injectable()
export class DeviceGrantErrorFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const mapped = toDeviceGrantException(error);
    const response = host.switchToHttp().getResponse();
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(response, 'Cache-Control', 'no-store');
    adapter.setHeader(response, 'Pragma', 'no-cache');
    if (mapped.challenge) adapter.setHeader(response, 'WWW-Authenticate', mapped.challenge);
    if (mapped.retryAfterSeconds !== undefined)
      adapter.setHeader(response, 'Retry-After', String(mapped.retryAfterSeconds));
    adapter.reply(response, mapped.getResponse(), mapped.getStatus());
  }
}

function toDeviceGrantException(error: unknown): QrLoginDeviceGrantException {
  if (error instanceof QrLoginDeviceGrantException) return error;
  const code = error instanceof QrLoginError || error instanceof QrLoginException ? error.code : undefined;
  if (code === 'QR_RATE_LIMITED') return deviceErrors.rateLimited((error as QrLoginError).retryAfterSeconds ?? 1);
  if (code === 'QR_VALIDATION_FAILED') return deviceErrors.invalidRequest((error as Error).message);
  return deviceErrors.unavailable(5);
}
