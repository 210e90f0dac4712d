import { type CanActivate, type ExecutionContext, Inject, Injectable, mixin, type Type } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { QR_LOGIN_CONFIG, QR_LOGIN_RATE_LIMITER } from '../../kernel/qr-login.constants';
import type { QrLoginRateLimiter } from '../../kernel/interfaces/qr-login-rate-limiter.interface';
import type { ResolvedQrLoginConfig } from '../../kernel/qr-login.config';
import { qrErrors } from '../../kernel/qr-login.errors';
import { ipOf } from '../qr-login.http';
import { toHttpError } from '../qr-login.exception';
import { networkKeyOf } from '../../risk/requester-network';
import type { QrLoginRateBucket } from '../../kernel/qr-login-security.config';

const guards = new Map<QrLoginRateBucket, Type<CanActivate>>();

/**
 * A guard counting one bucket's hits: per IPv4 address or IPv6 /64 for the web side, per app user
 * for `appAction` (so it must run after `QrLoginAppUserGuard`). Over the limit
 * it refuses with `QR_RATE_LIMITED`: 429 with `Retry-After` in seconds. The
 * header is set and the refusal thrown as a `QrLoginException` here, so an
 * app's own route guarded by it answers the same without the module's filter.
 */
export function QrLoginRateLimitGuard(bucket: QrLoginRateBucket): Type<CanActivate> {
  const existing = guards.get(bucket);
  if (existing) return existing;

  @Injectable()
  class RateLimitGuard implements CanActivate {
    constructor(
      @Inject(QR_LOGIN_CONFIG) private readonly config: ResolvedQrLoginConfig,
      @Inject(QR_LOGIN_RATE_LIMITER) private readonly limiter: QrLoginRateLimiter,
      private readonly adapterHost: HttpAdapterHost,
    ) {}

    async canActivate(context: ExecutionContext): Promise<boolean> {
      const rateLimit = this.config.security.rateLimit;
      const rule = rateLimit ? rateLimit.rules[bucket] : undefined;
      if (!rateLimit || !rule) return true;
      const request = context.switchToHttp().getRequest();
      // IPv6 clients are counted per /64: one subscriber holds the whole prefix.
      const who = bucket === 'appAction' ? `user:${this.config.getUserId(request.user)}` : `ip:${networkKeyOf(ipOf(request) ?? 'unknown')}`;
      // A limiter that cannot reach its backend throws QrLoginStoreUnavailableError: a 503 at the edge.
      const verdict = await this.limiter.hit(`${bucket}:${who}`, rule.limit, rule.windowMs);
      if (verdict.allowed) return true;
      const retryAfter = Math.max(1, Math.ceil(verdict.resetInMs / 1000));
      this.adapterHost.httpAdapter.setHeader(context.switchToHttp().getResponse(), 'Retry-After', String(retryAfter));
      throw toHttpError(qrErrors.rateLimited(retryAfter));
    }
  }

  const guard = mixin(RateLimitGuard);
  guards.set(bucket, guard);
  return guard;
}
