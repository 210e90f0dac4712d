import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { QR_LOGIN_CONFIG, QR_LOGIN_STORE } from './qr-login.constants';
import type { ResolvedQrLoginConfig } from './qr-login.config';
import type { QrLoginClock } from './qr-login.clock';
import { QrLoginError, qrErrors } from './qr-login.errors';
import { hashSecret, newQrCodeId, newSecret, newTicket, qrCodeIdOfTicket } from './qr-login.ids';
import { QrLoginAudit } from './qr-login.audit';
import { QrCodeRepository } from './qr-code.repository';
import { newQrCodeRecord } from './qr-code.factory';
import { checkJsonLimits } from './qr-login.json-limits';
import { QrLoginRiskAssessor } from '../risk/qr-login-risk.assessor';
import { QR_LOGIN_RISK_DENIED_REASON } from '../risk/qr-login-risk.policy';
import { QR_LOGIN_AMR } from '../risk/qr-login-risk-options.interface';
import { QrLoginRotator } from './qr-login.rotator';
import { QrLoginWatcher } from './qr-login.watcher';
import { QrLoginFeeds } from './qr-login.feeds';
import { bindingOf, decideCancel, decideConfirm, decideRedeem, decideRefusal, decideScan, statusAt, viewOf } from './qr-login.rules';
import type { QrCodeAction, QrCodeBinding, QrCodeProof, QrCodeRecord } from './interfaces/qr-code.interface';
import type { QrLoginEvent } from './interfaces/qr-login-events.interface';
import type { QrLoginContext } from './interfaces/qr-login-options.interface';
import type { QrLoginStore } from './interfaces/qr-login-store.interface';
import type { QrCodeCreated, QrCodeInfo, QrCodeStatusView, QrScanResult } from './interfaces/qr-login-views.interface';
import type { CreateQrCodeInput, CreateQrCodeRequester, QrCodeRendering, QrCodeTypeHandler } from './interfaces/qr-code-type-handler.interface';

/** What `QrLoginService.settings` tells plugins. */
export interface QrLoginKernelSettings {
  /** Path prefix of the native routes, e.g. `qr-login`. */
  routePrefix: string;
  /** Whether codes carry a match number the phone must send to confirm. */
  numberMatching: boolean;
  /** Lifetime of a code, in ms. */
  qrCodeTtlMs: number;
  /** Lifetime of a ticket, in ms. */
  ticketTtlMs: number;
  /** Whether the app set the `issueTokenSet` hook (else logins answer `{ user }`). */
  issuesTokenSets: boolean;
  /** The kernel's clock, so plugins measure time as the kernel does. */
  clock: QrLoginClock;
}

/**
 * The kernel's public face, used alike by the HTTP routes, the passport
 * strategy and every plugin (GenAuth, WeChat, the device grant). It decides
 * nothing itself: the rules (`qr-login.rules.ts`) decide from the record, the
 * repository runs the compare-and-set loop, and this class wires in the
 * hooks and the audit events. No method takes a flag that loosens a rule.
 */
@Injectable()
export class QrLoginService implements OnModuleDestroy {
  private readonly typeHandlers = new Map<string, QrCodeTypeHandler>();
  private readonly repository: QrCodeRepository;
  private readonly audit: QrLoginAudit;
  private readonly rotator: QrLoginRotator;
  private readonly watcher: QrLoginWatcher;
  private readonly risk: QrLoginRiskAssessor;

  constructor(
    @Inject(QR_LOGIN_CONFIG) private readonly config: ResolvedQrLoginConfig,
    @Inject(QR_LOGIN_STORE) private readonly store: QrLoginStore,
  ) {
    const clock = config.clock;
    this.repository = new QrCodeRepository(store, clock);
    this.audit = new QrLoginAudit(clock, (id) => this.repository.get(id));
    this.rotator = new QrLoginRotator(this.repository, this.audit, config);
    this.risk = new QrLoginRiskAssessor(config.risk);
    const feeds = new QrLoginFeeds(store);
    this.watcher = new QrLoginWatcher(this.repository, (id) => feeds.of(id), clock, this.rotator);
  }

  /** Number of `watch()` subscriptions currently open (SSE streams among them). */
  get activeWatchCount(): number {
    return this.watcher.activeCount;
  }

  /** Number of expiry checks armed for codes created by this process. For diagnostics and tests. */
  get pendingExpiryChecks(): number {
    return this.audit.pendingExpiryChecks;
  }

  /**
   * Lifecycle events of this process (created, scanned, authorized,
   * cancelled, expired, rotated, redeemed, refused), for audit logs. Hot:
   * subscribers see what happens after they subscribe. No secret is in them.
   */
  get events$(): Observable<QrLoginEvent> {
    return this.audit.events$;
  }

  /** Settings a plugin may need to agree with (read-only). */
  get settings(): QrLoginKernelSettings {
    const { routePrefix, qrCodeTtlMs, ticketTtlMs, security, issueTokenSetGiven, clock } = this.config;
    return { routePrefix, numberMatching: security.numberMatching !== false, qrCodeTtlMs, ticketTtlMs, issuesTokenSets: issueTokenSetGiven, clock };
  }

  onModuleDestroy(): void {
    this.audit.close();
  }

  /** Lets a code type other than `MOBILE_APP` be created (e.g. WeChat's); one handler per type. */
  registerTypeHandler(handler: QrCodeTypeHandler): void {
    if (this.typeHandlers.has(handler.type)) {
      throw new Error(`A handler for QR code type ${handler.type} is registered already; register each type once.`);
    }
    this.typeHandlers.set(handler.type, handler);
  }

  /**
   * Creates a PENDING code with a fresh creator secret. `binding` (how the
   * code may be read and redeemed) is stored with it; by default the native
   * routes' binding (`bindToCreator`).
   */
  async create(
    input: CreateQrCodeInput = {},
    requester: CreateQrCodeRequester = {},
    options: { binding?: QrCodeBinding } = {},
  ): Promise<QrCodeCreated> {
    const type = input.type ?? 'MOBILE_APP';
    const handler = this.typeHandlers.get(type);
    if (type !== 'MOBILE_APP' && !handler) {
      throw qrErrors.validation(`QR code type ${String(type)} is not enabled in this app; use MOBILE_APP or configure its module.`);
    }
    const limits = { maxBytes: this.config.maxCustomDataBytes, maxDepth: this.config.security.maxCustomDataDepth };
    checkJsonLimits('customData', input.customData, limits);
    checkJsonLimits('context', input.context, limits);
    const now = this.config.clock.now();
    // The id stores its expiry in whole seconds, so the record uses the same rounding.
    const expiresAt = Math.ceil((now + this.config.qrCodeTtlMs) / 1000) * 1000;
    const creatorSecret = newSecret();
    const record = newQrCodeRecord({
      id: newQrCodeId(expiresAt),
      type,
      now,
      expiresAt,
      creatorSecretHash: hashSecret(creatorSecret),
      binding: options.binding ?? this.nativeBinding(),
      requester: {
        ...(requester.ip ? { ip: requester.ip } : {}),
        ...(requester.userAgent ? { userAgent: requester.userAgent.slice(0, 512) } : {}),
        ...(requester.origin ? { origin: requester.origin.slice(0, 256) } : {}),
        createdAt: new Date(now).toISOString(),
        ...(this.config.appName ? { appName: this.config.appName } : {}),
      },
      customData: input.customData,
      context: input.context,
      numberMatching: this.config.security.numberMatching,
    });
    const rendering: QrCodeRendering = handler
      ? await handler.render({ qrcodeId: record.id, expiresAt, input })
      : await this.rotator.render(record.id);
    if (rendering.connection) record.binding = { ...record.binding!, connection: rendering.connection };
    await this.repository.create(record);
    this.audit.opened(record);
    return {
      qrcodeId: record.id,
      url: rendering.url,
      payload: rendering.payload,
      ...(rendering.customLogoUrl ? { customLogoUrl: rendering.customLogoUrl } : {}),
      expiresIn: Math.floor((expiresAt - now) / 1000),
      ...(record.match ? { matchCode: record.match.code } : {}),
      creatorSecret,
    };
  }

  /** The current status, as much of it as `proof` lets the reader see (per the code's binding). */
  async getStatus(qrcodeId: string, proof?: QrCodeProof): Promise<QrCodeStatusView> {
    const record = await this.repository.find(qrcodeId);
    return record ? viewOf(record, proof, this.config.clock.now()) : { qrcodeId, status: 'EXPIRED' };
  }

  /**
   * What a plugin may know of a code to serve it (type, status, binding and
   * the creator's JSON), never its secrets or ticket; 404 / 410 like an action.
   */
  async inspect(qrcodeId: string): Promise<QrCodeInfo> {
    const record = await this.repository.find(qrcodeId);
    const now = this.config.clock.now();
    if (record === null || statusAt(record, now) === 'EXPIRED') throw qrErrors.expired();
    return {
      qrcodeId,
      type: record.type,
      status: statusAt(record, now),
      binding: bindingOf(record),
      requester: record.requester,
      ...(record.customData ? { customData: record.customData } : {}),
      ...(record.context ? { context: record.context } : {}),
    };
  }

  /**
   * The image file of a native (`MOBILE_APP`) code, for `GET {prefix}/qrcodes/:id/image`:
   * it only encodes the payload, which ids already make public. 404 for an
   * unknown id or another type (whose image its plugin renders), 410 once expired.
   */
  async image(qrcodeId: string): Promise<{ contentType: string; body: Buffer; maxAgeSeconds: number }> {
    const record = await this.repository.find(qrcodeId);
    const now = this.config.clock.now();
    if (record === null || statusAt(record, now) === 'EXPIRED') throw qrErrors.expired();
    if (record.type !== 'MOBILE_APP') throw qrErrors.notFound();
    const image = await this.rotator.image(qrcodeId);
    return { ...image, maxAgeSeconds: Math.max(0, Math.floor((record.expiresAt - now) / 1000)) };
  }

  /**
   * The current status, then every change, completing after a terminal status
   * (see `QrLoginWatcher`). The creator's stream follows rotations.
   */
  watch(qrcodeId: string, proof?: QrCodeProof): Observable<QrCodeStatusView> {
    return this.watcher.watch(qrcodeId, proof);
  }

  /**
   * SCAN by an app user: the code becomes SCANNED and the phone learns who
   * asked to log in and how far away it is (`scanner`: the phone's request).
   * The risk policy is asked first; a `deny` cancels the code (its page sees
   * CANCELLED with `cancelReason: 'RISK_DENIED'`) and refuses the scan.
   */
  async scan(qrcodeId: string, appUser: unknown, scanner: { ip?: string } = {}): Promise<QrScanResult> {
    const userId = this.config.getUserId(appUser);
    const briefUserInfo = await this.config.getBriefUserInfo(appUser);
    const actor = { userId, briefUserInfo };
    // The rules first (a code that cannot be scanned is refused as such), then the policy, then the change.
    const current = await this.act$(qrcodeId, 'SCAN', userId, (record, now) => void decideScan(record, actor, now));
    const scan = await this.risk.assess(current.record.requester, scanner, { qrcodeId, appUser });
    if (scan.risk.verdict === 'deny') {
      await this.refuse(qrcodeId, QR_LOGIN_RISK_DENIED_REASON);
      this.audit.refused(qrcodeId, 'SCAN', 'QR_RISK_DENIED', userId);
      throw qrErrors.riskDenied();
    }
    const risk = { verdict: scan.risk.verdict, flags: [...scan.risk.flags], facts: { ...scan.risk.facts } };
    const { record } = await this.act$(qrcodeId, 'SCAN', userId, (latest, now) => {
      const next = decideScan(latest, actor, now);
      return next && { ...next, scannedBy: { ...next.scannedBy!, risk } };
    });
    this.audit.emit('scanned', record, { userId });
    return {
      qrcodeId,
      status: 'SCANNED',
      expiresIn: Math.max(0, Math.floor((record.expiresAt - this.config.clock.now()) / 1000)),
      requester: scan.requester,
      risk: scan.risk,
      ...(record.match ? { matchChoices: record.match.choices } : {}),
    };
  }

  /**
   * CONFIRM by the user who scanned: the code becomes AUTHORIZED and gets a
   * single-use ticket. With number matching on, `matchCode` must be the number
   * the page shows; a wrong one cancels the code (403 `QR_MATCH_FAILED`).
   */
  async confirm(qrcodeId: string, appUser: unknown, options: { matchCode?: string } = {}): Promise<QrCodeStatusView> {
    const userId = this.config.getUserId(appUser);
    let mismatch = false;
    const { record } = await this.act$(qrcodeId, 'CONFIRM', userId, (current, now) => {
      const decision = decideConfirm(current, { userId, matchCode: options.matchCode }, { value: newTicket(current.id), ttlMs: this.config.ticketTtlMs }, now);
      mismatch = decision.mismatch;
      return decision.record;
    });
    if (mismatch) {
      this.audit.emit('cancelled', record, { userId, code: 'QR_MATCH_FAILED' });
      this.audit.refused(qrcodeId, 'CONFIRM', 'QR_MATCH_FAILED', userId);
      throw qrErrors.matchFailed();
    }
    this.audit.emit('authorized', record, { userId });
    if (this.config.onAuthorized) await this.config.onAuthorized(this.contextOf(record));
    return viewOf(record, undefined, this.config.clock.now());
  }

  /** CANCEL by the user who scanned: the code becomes CANCELLED. */
  async cancel(qrcodeId: string, appUser: unknown): Promise<QrCodeStatusView> {
    const userId = this.config.getUserId(appUser);
    const { record } = await this.act$(qrcodeId, 'CANCEL', userId, (current, now) => decideCancel(current, { userId }, now));
    this.audit.emit('cancelled', record, { userId });
    return viewOf(record, undefined, this.config.clock.now());
  }

  /**
   * Ends an open code on the site's behalf (a policy said no, a plugin's
   * confirmation timed out): it becomes CANCELLED with `reason`, which the
   * page sees as `cancelReason`. A code that already ended is left as it is.
   */
  async refuse(qrcodeId: string, reason: string): Promise<QrCodeStatusView> {
    const { record, changed } = await this.repository.update(qrcodeId, (current, now) => decideRefusal(current, reason, now));
    if (changed) this.audit.emit('cancelled', record, { code: reason });
    return viewOf(record, undefined, this.config.clock.now());
  }

  /** Runs one of the three app-side actions by name (GenAuth's `change-qrcode-status`). */
  act(
    qrcodeId: string,
    action: QrCodeAction,
    appUser: unknown,
    options: { matchCode?: string; scanner?: { ip?: string } } = {},
  ): Promise<QrScanResult | QrCodeStatusView> {
    switch (action) {
      case 'SCAN':
        return this.scan(qrcodeId, appUser, options.scanner);
      case 'CONFIRM':
        return this.confirm(qrcodeId, appUser, options);
      case 'CANCEL':
        return this.cancel(qrcodeId, appUser);
      default:
        throw qrErrors.validation('"action" must be SCAN, CONFIRM or CANCEL.');
    }
  }

  /**
   * Redeems a ticket once, if `proof` satisfies the code's binding, and
   * returns the login's context. The binding is checked before anything
   * about the ticket is told.
   */
  async redeemTicket(ticket: unknown, proof?: QrCodeProof): Promise<QrLoginContext> {
    if (typeof ticket !== 'string' || ticket === '') throw qrErrors.ticketMissing();
    const qrcodeId = qrCodeIdOfTicket(ticket);
    if (!qrcodeId) throw qrErrors.ticketInvalid();
    let record: QrCodeRecord;
    try {
      ({ record } = await this.repository.update(qrcodeId, (current, now) => decideRedeem(current, ticket, proof, now)));
    } catch (error) {
      if (!(error instanceof QrLoginError)) throw error;
      // A code the store forgot means its ticket's life is over too.
      const refusal = error.code === 'QR_NOT_FOUND' || error.code === 'QR_EXPIRED' ? qrErrors.ticketInvalid() : error;
      this.audit.refused(qrcodeId, 'REDEEM', refusal.code);
      throw refusal;
    }
    const context = this.contextOf(record);
    this.audit.emit('redeemed', record, { userId: context.userId });
    return context;
  }

  /** Loads the user for a redeemed ticket with the `loadUser` hook; nothing returned refuses the login (401 `QR_USER_REFUSED`). */
  async loadUser(context: QrLoginContext): Promise<unknown> {
    const user = await this.config.loadUser(context.userId, context);
    if (user === null || user === undefined || user === false) throw qrErrors.userRefused();
    return user;
  }

  /** Issues what `POST /login` answers, with the `issueTokenSet` hook. */
  issueTokenSet(user: unknown, context: QrLoginContext): Promise<unknown> {
    return Promise.resolve(this.config.issueTokenSet(user, context));
  }

  /**
   * Records a one-time fact (e.g. a signed push's nonce) for `ttlMs`: true the
   * first time, false while it lives, on every instance sharing the store.
   * `scope` keeps plugins' facts apart.
   */
  rememberOnce(scope: string, key: string, ttlMs: number): Promise<boolean> {
    return this.repository.call((store) => store.rememberOnce(`${scope}:${key}`, ttlMs));
  }

  /** The binding of codes created on the native routes, per `bindToCreator`. */
  private nativeBinding(): QrCodeBinding {
    const who = this.config.bindToCreator ? 'creator' : 'anyone';
    return { reveal: who, redeem: who, via: 'native' };
  }

  /** An app-side action through the compare-and-set loop; a refusal is reported before it is thrown. */
  private async act$(
    qrcodeId: string,
    action: QrCodeAction,
    userId: string,
    decide: (current: QrCodeRecord, now: number) => QrCodeRecord | undefined,
  ): Promise<{ record: QrCodeRecord; changed: boolean }> {
    try {
      return await this.repository.update(qrcodeId, decide);
    } catch (error) {
      if (error instanceof QrLoginError) this.audit.refused(qrcodeId, action, error.code, userId);
      throw error;
    }
  }

  private contextOf(record: QrCodeRecord): QrLoginContext {
    const scannedBy = record.scannedBy!;
    return {
      qrcodeId: record.id,
      userId: scannedBy.userId,
      briefUserInfo: scannedBy.briefUserInfo,
      ...(record.customData ? { customData: record.customData } : {}),
      ...(record.context ? { context: record.context } : {}),
      requester: record.requester,
      amr: QR_LOGIN_AMR,
      ...(scannedBy.risk ? { risk: scannedBy.risk as QrLoginContext['risk'] } : {}),
    };
  }
}
