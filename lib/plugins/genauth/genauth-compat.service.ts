import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { QR_LOGIN_CONFIG } from '../../kernel/qr-login.constants';
import type { ResolvedQrLoginConfig } from '../../kernel/qr-login.config';
import { creatorSecretsOf, headerOf, ipOf, setCreatorCookie } from '../../http/qr-login.http';
import { type CreateQrCodeInput, QrLoginService } from '../../kernel/qr-login.service';
import type { BriefUserInfo, QrCodeAction } from '../../kernel/interfaces/qr-code.interface';
import type { QrLoginContext } from '../../kernel/interfaces/qr-login-options.interface';
import type { QrCodeCreated, QrCodeStatusView } from '../../kernel/interfaces/qr-login-views.interface';
import { authenticateClient } from './genauth.guards';
import type { GenAuthTokenSet } from './genauth-options.interface';
import { toGenAuthTokenSet } from './genauth-token-set';

/** What a successful ticket exchange produced. */
export interface GenAuthExchangeResult {
  tokenSet: GenAuthTokenSet;
  /** The user `loadUser` returned. */
  user: unknown;
  context: QrLoginContext;
}

/** GenAuth's `briefUserInfo`: `photo` is a required string there, so an absent photo is sent empty. */
export function genAuthBriefUserInfo(info: BriefUserInfo): { displayName: string; photo: string } {
  return { displayName: info.displayName, photo: info.photo ?? '' };
}

/**
 * The compatible routes' use of `QrLoginService`: the same codes, store and
 * state machine as the native routes, plus what GenAuth's protocol adds
 * (client authentication of the exchange, a token set in GenAuth's shape, and
 * creator binding per `genauth.bindToCreator`).
 */
@Injectable()
export class GenAuthCompatService {
  constructor(
    private readonly service: QrLoginService,
    @Inject(QR_LOGIN_CONFIG) private readonly config: ResolvedQrLoginConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  private get bound(): boolean {
    return this.config.genauth.bindToCreator;
  }

  /** Creates a code; sets the creator cookie only when the compatible routes bind codes to their creator. */
  async create(input: CreateQrCodeInput, request: any, response: any): Promise<QrCodeCreated> {
    const created = await this.service.create(input, { ip: ipOf(request), userAgent: headerOf(request, 'user-agent') });
    if (this.bound) setCreatorCookie(this.adapterHost.httpAdapter, request, response, this.config, created.creatorSecret);
    return created;
  }

  /** The status; the ticket is shown without creator proof unless `genauth.bindToCreator` is on. */
  status(qrcodeId: string, request: any): Promise<QrCodeStatusView> {
    return this.service.getStatus(qrcodeId, creatorSecretsOf(request, this.config), { skipCreatorCheck: !this.bound });
  }

  /** An app-side action; `matchCode` only matters for CONFIRM with number matching on (GenAuth's SDKs never send it). */
  act(qrcodeId: string, action: QrCodeAction, appUser: unknown, matchCode?: string) {
    return this.service.act(qrcodeId, action, appUser, matchCode === undefined ? {} : { matchCode });
  }

  /**
   * Client authentication first (a refused client leaves the ticket intact),
   * then the single-use redemption, `loadUser`, and the token set hook.
   */
  async exchange(
    ticket: string,
    request: any,
    body: { client_id?: unknown; client_secret?: unknown } | undefined,
  ): Promise<GenAuthExchangeResult> {
    authenticateClient(this.config, request, body);
    const context = await this.service.redeemTicket(ticket, creatorSecretsOf(request, this.config), {
      skipCreatorCheck: !this.bound,
    });
    const user = await this.service.loadUser(context);
    const issue = this.config.genauth.issueTokenSet;
    const issued = issue ? await issue(user, context) : await this.service.issueTokenSet(user, context);
    return { tokenSet: toGenAuthTokenSet(issued), user, context };
  }
}
