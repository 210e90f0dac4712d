import type { ResolvedQrLoginConfig } from './qr-login.config';
import type { QrLoginAudit } from './qr-login.audit';
import type { QrCodeRepository } from './qr-code.repository';
import { QrLoginError, qrErrors } from './qr-login.errors';
import { newTicket } from './qr-login.ids';
import { contextOf } from './qr-login.redeemer';
import { decideCancel, decideConfirm, decideRefusal, decideScan, matchHolds } from './qr-login.rules';
import { BY_ID, assertReach, matchOf, type PhoneReach } from './qr-login.reach';
import { passkeyChallengeOf, shownDigestOf } from './qr-login.passkey-challenge';
import { passkeyErrors } from './qr-login-passkey.errors';
import type { QrLoginApprovalPort } from './interfaces/qr-login-approval.port';
import { flowOf, viewOf } from './qr-login.visibility';
import { QR_LOGIN_RISK_DENIED_REASON } from './qr-login.constants';
import type { QrLoginRiskPort } from './interfaces/qr-login-risk.port';
import type { JsonObject, QrCodeAction, QrCodeRecord } from './interfaces/qr-code.interface';
import type { QrCodeStatusView, QrScanResult } from './interfaces/qr-login-views.interface';
import {
  QR_LOGIN_NO_INSTRUMENTATION,
  type QrLoginInstrumentation,
  type QrLoginInstrumentedAction,
} from './interfaces/qr-login-instrumentation.port';

/** The measured action of an app-side action, or undefined for a name that is none (it comes from requests). */
function measuredOf(action: QrCodeAction): QrLoginInstrumentedAction | undefined {
  if (action === 'SCAN') return 'scan';
  if (action === 'CONFIRM') return 'confirm';
  return action === 'CANCEL' ? 'cancel' : undefined;
}

/** Options of an app-side action: the number a page shows and the passkey assertion (CONFIRM), the phone's request (SCAN). */
type ActOptions = { matchCode?: string; passkey?: JsonObject; scanner?: { ip?: string } };
/** What a confirm carries besides the user: the picked number, and the assertion a passkey code needs. */
type ConfirmOptions = { matchCode?: string; passkey?: JsonObject };

/** The refusals of an assertion that end the code (a missing one or passkeys switched off end nothing). */
const CANCELLING = new Set<string>(['QR_PASSKEY_INVALID', 'QR_PASSKEY_REPLAYED', 'QR_PASSKEY_COUNTER']);

/** Without an approval layer every code is approved by the phone's token, and no assertion can be checked. */
const TOKEN_ONLY: QrLoginApprovalPort = {
  methodFor: () => Promise.resolve('token'),
  verifyPasskey: () => Promise.reject(passkeyErrors.disabled()),
};

/**
 * The phone side's actions (scan, confirm, cancel) and the site's own
 * refusal, each one decision of the rules inside the compare-and-set loop,
 * with the risk policy before a scan and the audit events after.
 * @internal
 */
export class QrLoginAppActions {
  constructor(
    private readonly config: ResolvedQrLoginConfig,
    private readonly repository: QrCodeRepository,
    private readonly audit: QrLoginAudit,
    private readonly risk: QrLoginRiskPort,
    private readonly instrumentation: QrLoginInstrumentation = QR_LOGIN_NO_INSTRUMENTATION,
    private readonly approval: QrLoginApprovalPort = TOKEN_ONLY,
  ) {}

  scan(qrcodeId: string, appUser: unknown, scanner: { ip?: string } = {}): Promise<QrScanResult> {
    return this.act(qrcodeId, 'SCAN', appUser, { scanner }, BY_ID) as Promise<QrScanResult>;
  }

  confirm(qrcodeId: string, appUser: unknown, options: ConfirmOptions = {}): Promise<QrCodeStatusView> {
    return this.act(qrcodeId, 'CONFIRM', appUser, options, BY_ID) as Promise<QrCodeStatusView>;
  }

  cancel(qrcodeId: string, appUser: unknown): Promise<QrCodeStatusView> {
    return this.act(qrcodeId, 'CANCEL', appUser, {}, BY_ID) as Promise<QrCodeStatusView>;
  }

  /**
   * One of the three app-side actions by name, measured from its start: the code is named by its id, or
   * by a lookup (a user code's) that then runs inside the action, as `reach` says.
   */
  act(
    target: string | (() => Promise<string>),
    action: QrCodeAction,
    appUser: unknown,
    options: ActOptions,
    reach: PhoneReach,
  ): Promise<QrScanResult | QrCodeStatusView> {
    const measured = measuredOf(action);
    if (measured === undefined) return Promise.reject(qrErrors.validation('"action" must be SCAN, CONFIRM or CANCEL.'));
    const known = typeof target === 'string' ? target : undefined;
    return this.instrumentation.run(measured, known, async () => {
      const qrcodeId = known ?? (await (target as () => Promise<string>)());
      if (action === 'SCAN') return this.scanNow(qrcodeId, appUser, options.scanner, reach);
      if (action === 'CONFIRM')
        return this.confirmNow(qrcodeId, appUser, { matchCode: options.matchCode, passkey: options.passkey }, reach);
      return this.cancelNow(qrcodeId, appUser, reach);
    });
  }

  private async scanNow(
    qrcodeId: string,
    appUser: unknown,
    scanner: { ip?: string } = {},
    reach: PhoneReach,
  ): Promise<QrScanResult> {
    const userId = this.config.getUserId(appUser);
    const briefUserInfo = await this.config.getBriefUserInfo(appUser);
    const actor = { userId, briefUserInfo };
    // The rules first (a code that cannot be scanned is refused as such), then the policy, then the change.
    const current = await this.act$(
      qrcodeId,
      'SCAN',
      userId,
      (record, now) => void decideScan(record, actor, now, reach),
    );
    const flow = flowOf(current.record);
    const scan = await this.risk.assess({ requester: current.record.requester, scanner, qrcodeId, appUser, flow });
    if (scan.risk.verdict === 'deny') {
      await this.refuse(qrcodeId, QR_LOGIN_RISK_DENIED_REASON);
      this.audit.refused(qrcodeId, 'SCAN', 'QR_RISK_DENIED', userId);
      throw qrErrors.riskDenied();
    }
    const risk = { verdict: scan.risk.verdict, flags: [...scan.risk.flags], facts: { ...scan.risk.facts } };
    const client = current.record.requester.client;
    const shown = { flow, client: client && { id: client.id, name: client.name }, ...scan };
    // The approval layer weighs the app's option and the policy's step-up; what it answers is written on the record.
    const via = current.record.binding?.via ?? 'native';
    const method = await this.approval.methodFor({ qrcodeId, flow, via, risk: scan.risk, appUser, userId });
    const { record } = await this.act$(
      qrcodeId,
      'SCAN',
      userId,
      (latest, now) => {
        const next = decideScan(latest, actor, now, reach);
        if (!next) return undefined;
        const approval = { method: 'passkey' as const, version: latest.version, shown: shownDigestOf(shown) };
        return { ...next, scannedBy: { ...next.scannedBy!, risk }, ...(method === 'passkey' ? { approval } : {}) };
      },
      current.record,
    );
    this.audit.emit('scanned', record, { userId });
    const match = matchOf(record);
    return {
      qrcodeId,
      status: 'SCANNED',
      flow,
      ...(client ? { client: { id: client.id, name: client.name } } : {}),
      expiresIn: Math.max(0, Math.floor((record.expiresAt - this.config.clock.now()) / 1000)),
      requester: scan.requester,
      risk: scan.risk,
      ...(match ? { matchChoices: match.choices, matchKind: match.kind } : {}),
      ...(record.approval ? { approval: { method: 'passkey', version: record.approval.version } } : {}),
    };
  }

  private async confirmNow(
    qrcodeId: string,
    appUser: unknown,
    options: ConfirmOptions,
    reach: PhoneReach,
  ): Promise<QrCodeStatusView> {
    const userId = this.config.getUserId(appUser);
    const passkeyChallenge = await this.checkPasskey(qrcodeId, userId, options, reach);
    let mismatch = false;
    const { record } = await this.act$(qrcodeId, 'CONFIRM', userId, (current, now) => {
      const decision = decideConfirm(
        current,
        { userId, matchCode: options.matchCode, passkeyChallenge },
        { value: newTicket(current.id), ttlMs: this.config.ticketTtlMs },
        now,
        reach,
      );
      mismatch = decision.mismatch;
      return decision.record;
    });
    if (mismatch) {
      this.audit.emit('cancelled', record, { userId, code: 'QR_MATCH_FAILED' });
      this.audit.refused(qrcodeId, 'CONFIRM', 'QR_MATCH_FAILED', userId);
      throw flowOf(record) === 'device' ? qrErrors.userCodeMatchFailed() : qrErrors.matchFailed();
    }
    this.audit.emit('authorized', record, { userId });
    if (this.config.onAuthorized) await this.config.onAuthorized(contextOf(record));
    return viewOf(record, undefined, this.config.clock.now());
  }

  /**
   * Checks a confirm's passkey assertion against the challenge derived from
   * the code's record, before the rules run: the challenge that verified,
   * or undefined when there is nothing to check (no assertion, a code that
   * asks for none, or a confirm the rules refuse anyway: not the scanner, a
   * wrong or missing number). An assertion that fails cancels the code.
   */
  private async checkPasskey(
    qrcodeId: string,
    userId: string,
    options: ConfirmOptions,
    reach: PhoneReach,
  ): Promise<string | undefined> {
    if (options.passkey === undefined) return undefined;
    const record = await this.repository.find(qrcodeId);
    const challenge = record ? passkeyChallengeOf(record) : undefined;
    if (!record || challenge === undefined || record.scannedBy?.userId !== userId) return undefined;
    assertReach(record, reach);
    if (!matchHolds(record, options.matchCode)) return undefined;
    try {
      await this.approval.verifyPasskey({ challenge, userId, assertion: options.passkey });
      return challenge;
    } catch (error) {
      if (error instanceof QrLoginError && CANCELLING.has(error.code)) {
        await this.refuse(qrcodeId, 'PASSKEY_FAILED');
        this.audit.refused(qrcodeId, 'CONFIRM', error.code, userId);
      }
      throw error;
    }
  }

  private async cancelNow(qrcodeId: string, appUser: unknown, reach: PhoneReach): Promise<QrCodeStatusView> {
    const userId = this.config.getUserId(appUser);
    const { record } = await this.act$(qrcodeId, 'CANCEL', userId, (current, now) =>
      decideCancel(current, { userId }, now, reach),
    );
    this.audit.emit('cancelled', record, { userId });
    return viewOf(record, undefined, this.config.clock.now());
  }

  async refuse(qrcodeId: string, reason: string): Promise<QrCodeStatusView> {
    const { record, changed } = await this.repository.update(qrcodeId, (current, now) =>
      decideRefusal(current, reason, now),
    );
    if (changed) this.audit.emit('cancelled', record, { code: reason });
    return viewOf(record, undefined, this.config.clock.now());
  }

  /** An app-side action through the compare-and-set loop; a refusal is reported before it is thrown. */
  private async act$(
    qrcodeId: string,
    action: QrCodeAction,
    userId: string,
    decide: (current: QrCodeRecord, now: number) => QrCodeRecord | undefined,
    known?: QrCodeRecord,
  ): Promise<{ record: QrCodeRecord; changed: boolean }> {
    try {
      return await this.repository.update(qrcodeId, decide, known);
    } catch (error) {
      if (error instanceof QrLoginError) this.audit.refused(qrcodeId, action, error.code, userId);
      throw error;
    }
  }
}
