import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { QR_LOGIN_CONFIG, QR_LOGIN_RATE_LIMITER } from '../kernel/qr-login.constants';
import type { QrLoginRateLimiter } from '../kernel/interfaces/qr-login-rate-limiter.interface';
import type { QrLoginRateBucket } from '../kernel/qr-login-security.config';
import type { ResolvedQrLoginConfig } from '../kernel/qr-login.config';
import { QrLoginService } from '../kernel/qr-login.service';
import type { QrCodeProof } from '../kernel/interfaces/qr-code.interface';
import type {
  CreateQrCodeInput,
  CreateQrCodeOptions,
  CreateQrCodeRequester,
} from '../kernel/interfaces/qr-code-type-handler.interface';
import type { QrCodeCreated } from '../kernel/interfaces/qr-login-views.interface';
import { creatorSecretsOf, headerOf, ipOf, setCreatorCookie } from './qr-login.request';
import { dpopJktOf } from './dpop/qr-login-dpop.guard';
import { qrErrors } from '../kernel/qr-login.errors';
import { acceptsCreateOrigin } from '../risk/origin-allow-list';
import { QR_LOGIN_RISK_CONFIG } from '../risk/qr-login-risk.config';
import type { ResolvedRiskConfig } from '../risk/qr-login-risk.assessor';

/**
 * The HTTP glue every route family shares (native routes, GenAuth
 * compatibility, WeChat, the device grant): what a request proves, who it
 * comes from, and creating a code with its creator cookie. Plugins use this
 * rather than reading cookies or headers themselves, so a request is read
 * the same way whichever route it reaches.
 */
@Injectable()
export class QrLoginHttpService {
  constructor(
    private readonly service: QrLoginService,
    @Inject(QR_LOGIN_CONFIG) private readonly config: ResolvedQrLoginConfig,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(QR_LOGIN_RATE_LIMITER) private readonly limiter: QrLoginRateLimiter,
    @Inject(QR_LOGIN_RISK_CONFIG) private readonly risk: ResolvedRiskConfig,
  ) {}

  /**
   * Counts one hit of `subject` in the rate-limit `bucket`, for routes that
   * learn who acts only inside the handler (a WeChat user named by a verified
   * push): the same rules and limiter as `QrLoginRateLimitGuard`. Over the
   * limit it throws `QR_RATE_LIMITED` (429 with `Retry-After`); with limits off, nothing.
   */
  async limit(bucket: QrLoginRateBucket, subject: string): Promise<void> {
    const rateLimit = this.config.security.rateLimit;
    const rule = rateLimit ? rateLimit.rules[bucket] : undefined;
    if (!rule) return;
    const verdict = await this.limiter.hit(`${bucket}:${subject}`, rule.limit, rule.windowMs);
    if (!verdict.allowed) throw qrErrors.rateLimited(Math.max(1, Math.ceil(verdict.resetInMs / 1000)));
  }

  /**
   * What the request proves: the creator secrets it carries (header and
   * creator cookies), the key of a DPoP proof `QrLoginDpopGuard` verified on
   * it, plus a client identity the caller authenticated itself.
   */
  proofOf(request: unknown, client?: string): QrCodeProof {
    const dpopJkt = dpopJktOf(request);
    return {
      creatorSecrets: creatorSecretsOf(request, this.config),
      ...(client ? { client } : {}),
      ...(dpopJkt ? { dpopJkt } : {}),
    };
  }

  /** Facts about the requesting browser, as the adapter reports them (`trust proxy` applies to the IP). */
  requesterOf(request: unknown): CreateQrCodeRequester {
    const userAgent = headerOf(request, 'user-agent');
    const origin = headerOf(request, 'origin');
    const ip = ipOf(request);
    return { ...(ip ? { ip } : {}), ...(userAgent ? { userAgent } : {}), ...(origin ? { origin } : {}) };
  }

  /**
   * Creates a code for the requesting browser, if its page's origin is
   * allowed (`risk.allowedOrigins`). When the code's binding involves the
   * creator (always, for the native binding), the HttpOnly creator cookie is
   * set on the response, so the page that shows the code is the one that
   * may read and redeem it.
   */
  async create(
    input: CreateQrCodeInput,
    request: unknown,
    response: unknown,
    options: CreateQrCodeOptions = {},
  ): Promise<QrCodeCreated> {
    const requester = this.requesterOf(request);
    const { allowedOrigins, requireOrigin } = this.risk;
    if (!acceptsCreateOrigin(requester.origin, { allowedOrigins, requireOrigin }))
      throw qrErrors.originNotAllowed(requester.origin);
    // A native create (no binding given) is key-bound by the DPoP proof the request carried; a plugin passes its own key.
    const jkt = options.binding === undefined ? dpopJktOf(request) : undefined;
    const created = await this.service.create(input, requester, jkt ? { ...options, creatorKey: { jkt } } : options);
    const binding = options.binding;
    const creatorBound = binding === undefined || binding.reveal === 'creator' || binding.redeem === 'creator';
    if (creatorBound)
      setCreatorCookie(this.adapterHost.httpAdapter, request, response, this.config, created.creatorSecret);
    return created;
  }
}
