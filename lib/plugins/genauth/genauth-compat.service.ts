import { Inject, Injectable } from '@nestjs/common';
import {
  type BriefUserInfo,
  type CreateQrCodeInput,
  type QrCodeAction,
  type QrCodeBinding,
  type QrCodeCreated,
  type QrCodeStatusView,
  type QrLoginContext,
  QrLoginHttpService,
  QrLoginService,
} from '../../plugin';
import { QR_LOGIN_GENAUTH_CONFIG } from './genauth.constants';
import type { ResolvedGenAuthConfig } from './genauth.config';
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

/** GenAuth's `briefUserInfo`: `photo` is a required string there, so an absent photo is sent empty. @internal */
export function genAuthBriefUserInfo(info: BriefUserInfo): { displayName: string; photo: string } {
  return { displayName: info.displayName, photo: info.photo ?? '' };
}

/**
 * The compatible routes' use of the kernel, through its public services
 * only: the same codes, store and state machine as the native routes. What
 * GenAuth's protocol adds is decided here as facts (the binding its codes are
 * created with, the client a request authenticated as); the kernel applies
 * each code's own binding, so a code created elsewhere keeps its rules here.
 */
@Injectable()
export class GenAuthCompatService {
  constructor(
    private readonly service: QrLoginService,
    private readonly http: QrLoginHttpService,
    @Inject(QR_LOGIN_GENAUTH_CONFIG) private readonly config: ResolvedGenAuthConfig,
  ) {}

  /** The client identity a successful client authentication proves. */
  private get client(): string | undefined {
    return this.config.tokenEndpointAuthMethod === 'none' ? undefined : `genauth:${this.config.clientId}`;
  }

  /** How codes created on these routes are bound (see `bindToCreator`). */
  private get binding(): QrCodeBinding {
    if (this.config.bindToCreator) return { reveal: 'creator', redeem: 'creator', via: 'genauth' };
    const client = this.client;
    return client
      ? { reveal: 'anyone', redeem: 'client', client, via: 'genauth' }
      : { reveal: 'anyone', redeem: 'anyone', via: 'genauth' };
  }

  /** Creates a code with this plugin's binding; the creator cookie is set when that binding is the creator's. */
  create(input: CreateQrCodeInput, request: unknown, response: unknown): Promise<QrCodeCreated> {
    return this.http.create(input, request, response, { binding: this.binding });
  }

  /** The status, as much of it as the request's proof and the code's binding allow. */
  status(qrcodeId: string, request: unknown): Promise<QrCodeStatusView> {
    return this.service.getStatus(qrcodeId, this.http.proofOf(request));
  }

  /** An app-side action; `matchCode` only matters for CONFIRM with number matching on (GenAuth's SDKs never send it). */
  act(qrcodeId: string, action: QrCodeAction, appUser: unknown, request: unknown, matchCode?: string) {
    return this.service.act(qrcodeId, action, appUser, {
      scanner: this.http.requesterOf(request),
      ...(matchCode === undefined ? {} : { matchCode }),
    });
  }

  /**
   * Client authentication first (a refused client leaves the ticket intact),
   * then the single-use redemption under the code's own binding, `loadUser`,
   * and the token set hook.
   */
  async exchange(
    ticket: string,
    request: any,
    body: { client_id?: unknown; client_secret?: unknown } | undefined,
  ): Promise<GenAuthExchangeResult> {
    authenticateClient(this.config, request, body);
    const context = await this.service.redeemTicket(ticket, this.http.proofOf(request, this.client));
    const user = await this.service.loadUser(context);
    const issue = this.config.issueTokenSet;
    const issued = issue ? await issue(user, context) : await this.service.issueTokenSet(user, context);
    return { tokenSet: toGenAuthTokenSet(issued), user, context };
  }
}
