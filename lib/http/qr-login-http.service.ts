import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { QR_LOGIN_CONFIG } from '../kernel/qr-login.constants';
import type { ResolvedQrLoginConfig } from '../kernel/qr-login.config';
import { QrLoginService } from '../kernel/qr-login.service';
import type { QrCodeBinding, QrCodeProof } from '../kernel/interfaces/qr-code.interface';
import type { CreateQrCodeInput, CreateQrCodeRequester } from '../kernel/interfaces/qr-code-type-handler.interface';
import type { QrCodeCreated } from '../kernel/interfaces/qr-login-views.interface';
import { creatorSecretsOf, headerOf, ipOf, setCreatorCookie } from './qr-login.http';

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
  ) {}

  /**
   * What the request proves: the creator secrets it carries (header and
   * creator cookies), plus a client identity the caller authenticated itself.
   */
  proofOf(request: unknown, client?: string): QrCodeProof {
    return { creatorSecrets: creatorSecretsOf(request, this.config), ...(client ? { client } : {}) };
  }

  /** Facts about the requesting browser, as the adapter reports them (`trust proxy` applies to the IP). */
  requesterOf(request: unknown): CreateQrCodeRequester {
    const userAgent = headerOf(request, 'user-agent');
    const origin = headerOf(request, 'origin');
    const ip = ipOf(request);
    return { ...(ip ? { ip } : {}), ...(userAgent ? { userAgent } : {}), ...(origin ? { origin } : {}) };
  }

  /**
   * Creates a code for the requesting browser. When its binding involves the
   * creator (always, for the native binding), the HttpOnly creator cookie is
   * set on the response, so the page
   * that shows the code is the one that may read and redeem it.
   */
  async create(
    input: CreateQrCodeInput,
    request: unknown,
    response: unknown,
    options: { binding?: QrCodeBinding } = {},
  ): Promise<QrCodeCreated> {
    const created = await this.service.create(input, this.requesterOf(request), options);
    const binding = options.binding;
    const creatorBound = binding === undefined || binding.reveal === 'creator' || binding.redeem === 'creator';
    if (creatorBound) setCreatorCookie(this.adapterHost.httpAdapter, request, response, this.config, created.creatorSecret);
    return created;
  }
}
