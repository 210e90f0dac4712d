import type { ResolvedQrLoginConfig } from './qr-login.config';
import type { QrLoginAudit } from './qr-login.audit';
import type { QrCodeRepository } from './qr-code.repository';
import { QrLoginError, qrErrors } from './qr-login.errors';
import { qrCodeIdOfTicket } from './qr-login.ids';
import { decideRedeem } from './qr-login.rules';
import { QR_LOGIN_AMR } from './qr-login.constants';
import type { QrCodeProof, QrCodeRecord } from './interfaces/qr-code.interface';
import type { QrLoginContext } from './interfaces/qr-login-options.interface';
import { QR_LOGIN_NO_INSTRUMENTATION, type QrLoginInstrumentation } from './interfaces/qr-login-instrumentation.port';

/**
 * What the hooks learn of an authorized code: who confirmed, the creator's JSON, how the session was made.
 * @internal
 */
export function contextOf(record: QrCodeRecord): QrLoginContext {
  const scannedBy = record.scannedBy!;
  return {
    qrcodeId: record.id,
    userId: scannedBy.userId,
    briefUserInfo: scannedBy.briefUserInfo,
    ...(record.customData ? { customData: record.customData } : {}),
    ...(record.context ? { context: record.context } : {}),
    requester: record.requester,
    flow: record.flow === 'device' ? 'device' : 'qr',
    amr: QR_LOGIN_AMR,
    ...(scannedBy.risk ? { risk: scannedBy.risk as QrLoginContext['risk'] } : {}),
    ...(record.creatorKey ? { dpop: { jkt: record.creatorKey.jkt } } : {}),
  };
}

/** The ticket's single use, and the user it stands for. @internal */
export class QrLoginRedeemer {
  constructor(
    private readonly repository: QrCodeRepository,
    private readonly audit: QrLoginAudit,
    private readonly config: ResolvedQrLoginConfig,
    private readonly instrumentation: QrLoginInstrumentation = QR_LOGIN_NO_INSTRUMENTATION,
  ) {}

  /**
   * Marks the ticket used, atomically, if the proof satisfies the code's binding (see `decideRedeem`),
   * measured as the `redeem` action (the code is named by the events it reports, not up front).
   */
  redeem(ticket: unknown, proof: QrCodeProof | undefined): Promise<QrLoginContext> {
    return this.instrumentation.run('redeem', undefined, () => this.use(ticket, proof));
  }

  private async use(ticket: unknown, proof: QrCodeProof | undefined): Promise<QrLoginContext> {
    if (typeof ticket !== 'string' || ticket === '') throw qrErrors.ticketMissing();
    const qrcodeId = qrCodeIdOfTicket(ticket);
    if (!qrcodeId) throw qrErrors.ticketInvalid();
    let record: QrCodeRecord;
    try {
      ({ record } = await this.repository.update(qrcodeId, (current, now) =>
        decideRedeem(current, ticket, proof, now),
      ));
    } catch (error) {
      if (!(error instanceof QrLoginError)) throw error;
      // A code the store forgot means its ticket's life is over too.
      const refusal = error.code === 'QR_NOT_FOUND' || error.code === 'QR_EXPIRED' ? qrErrors.ticketInvalid() : error;
      this.audit.refused(qrcodeId, 'REDEEM', refusal.code);
      throw refusal;
    }
    const context = contextOf(record);
    this.audit.emit('redeemed', record, { userId: context.userId });
    return context;
  }

  /** The `loadUser` hook's user; nothing returned refuses the login (401 `QR_USER_REFUSED`). */
  async loadUser(context: QrLoginContext): Promise<unknown> {
    const user = await this.config.loadUser(context.userId, context);
    if (!user) throw qrErrors.userRefused();
    return user;
  }
}
