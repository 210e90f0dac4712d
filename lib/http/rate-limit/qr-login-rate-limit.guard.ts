import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  mixin,
  Optional,
  type Type,
} from '@nestjs/common';
import { QR_LOGIN_CONFIG, QR_LOGIN_RATE_LIMITER } from '../../kernel/qr-login.constants';
import type { QrLoginRateLimiter } from '../../kernel/interfaces/qr-login-rate-limiter.interface';
import type { ResolvedQrLoginConfig } from '../../kernel/qr-login.config';
import { HttpAdapterHost } from '@nestjs/core';
import { qrErrors } from '../../kernel/qr-login.errors';
import { toHttpError } from '../qr-login.exception';
import { ipOf } from '../qr-login.request';
import { networkKeyOf } from '../../risk/requester-network';
import type { QrLoginRateBucket } from '../../kernel/qr-login-security.config';

const guards = new Map<QrLoginRateBucket, Type<CanActivate>>();

/**
 * A guard counting one bucket's hits: per IPv4 address or IPv6 /64 for the web side, per app user
 * for `appAction` after `QrLoginAppUserGuard` (per address where no app user is known). Over the limit
 * it answers 429 `QR_RATE_LIMITED` with `Retry-After` in seconds, on the
 * module's routes and on an app's own routes alike.
 */
export function QrLoginRateLimitGuard(bucket: QrLoginRateBucket): Type<CanActivate> {
  const existing = guards.get(bucket);
  if (existing) return existing;

  @Injectable()
  class RateLimitGuard implements CanActivate {
    constructor(
      // Optional so a plugin's controller can be built before its start-up check says QrLoginModule is missing.
      @Optional() @Inject(QR_LOGIN_CONFIG) private readonly config: ResolvedQrLoginConfig,
      @Optional() @Inject(QR_LOGIN_RATE_LIMITER) private readonly limiter: QrLoginRateLimiter,
      private readonly adapterHost: HttpAdapterHost,
    ) {}

    async canActivate(context: ExecutionContext): Promise<boolean> {
      if (!this.config || !this.limiter) return true;
      const rateLimit = this.config.security.rateLimit;
      const rule = rateLimit ? rateLimit.rules[bucket] : undefined;
      if (!rateLimit || !rule) return true;
      const request = context.switchToHttp().getRequest();
      // IPv6 clients are counted per /64: one subscriber holds the whole prefix.
      // appAction counts per app user where the guard before it named one; routes whose user is
      // named only inside the handler (a WeChat mini program's login code) count per address.
      const perUser = bucket === 'appAction' && request.user !== undefined && request.user !== null;
      const who = perUser
        ? `user:${this.config.getUserId(request.user)}`
        : `ip:${networkKeyOf(ipOf(request) ?? 'unknown')}`;
      // A limiter that cannot reach its backend throws QrLoginStoreUnavailableError: a 503.
      const verdict = await this.limiter.hit(`${bucket}:${who}`, rule.limit, rule.windowMs).catch((error: unknown) => {
        throw toHttpError(error);
      });
      if (verdict.allowed) return true;
      const retryAfter = Math.max(1, Math.ceil(verdict.resetInMs / 1000));
      // Also usable on an app's own routes, where no filter of the module runs: the answer is complete here.
      this.adapterHost.httpAdapter.setHeader(context.switchToHttp().getResponse(), 'Retry-After', String(retryAfter));
      throw toHttpError(qrErrors.rateLimited(retryAfter));
    }
  }

  const guard = mixin(RateLimitGuard);
  guards.set(bucket, guard);
  return guard;
}
