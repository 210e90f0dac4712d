import { Inject, Injectable, Optional, type OnModuleDestroy } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { QR_LOGIN_CONFIG, QR_LOGIN_RISK, QR_LOGIN_STORE } from './qr-login.constants';
import type { ResolvedQrLoginConfig } from './qr-login.config';
import { wireQrLoginKernel, type QrLoginKernelParts } from './qr-login.wiring';
import type { PollPace } from './qr-login.rules';
import { BY_ID } from './qr-login.reach';
import type { JsonObject, QrCodeAction, QrCodeEntry, QrCodeProof } from './interfaces/qr-code.interface';
import type { QrLoginEvent } from './interfaces/qr-login-events.interface';
import type { QrLoginContext } from './interfaces/qr-login-options.interface';
import type { QrLoginStore } from './interfaces/qr-login-store.interface';
import type { QrLoginRiskPort } from './interfaces/qr-login-risk.port';
import { QR_LOGIN_INSTRUMENTATION, type QrLoginInstrumentation } from './interfaces/qr-login-instrumentation.port';
import { QR_LOGIN_APPROVAL, type QrLoginApprovalPort } from './interfaces/qr-login-approval.port';
import type {
  QrCodeCreated,
  QrCodeInfo,
  QrCodeStatusView,
  QrLoginKernelSettings,
  QrLoginPollResult,
  QrScanResult,
  QrUserCodeRequest,
} from './interfaces/qr-login-views.interface';
import type {
  CreateQrCodeInput,
  CreateQrCodeOptions,
  CreateQrCodeRequester,
  QrCodeTypeHandler,
} from './interfaces/qr-code-type-handler.interface';

/** What a plugin reports on `events$` about an inbound message (see `QrLoginService.report`). */
export interface QrLoginPluginReport {
  type: 'accepted' | 'refused';
  action: 'PUSH';
  qrcodeId?: string;
  code?: string;
  userId?: string;
  source?: string;
}

/** The phone's request, for the risk assessment of a scan. */
type Scanner = { ip?: string };
/** A confirm's picked number and passkey assertion; a scan's request and how its user code came. */
type ConfirmOptions = { matchCode?: string; passkey?: JsonObject };
type ActOptions = ConfirmOptions & { scanner?: Scanner; entry?: QrCodeEntry };
/** How a user code came to the phone (see `QrCodeEntry`). */
type UserCodeEntry = { entry?: QrCodeEntry };

/**
 * The kernel's public face, used alike by the HTTP routes, the passport
 * strategy and every plugin (GenAuth, WeChat, the device grant). It decides
 * nothing itself: the rules (`qr-login.rules.ts`) decide from the record, the
 * repository runs the compare-and-set loop, and the parts `qr-login.wiring.ts`
 * builds call the hooks and report the audit events. No method takes a flag
 * that loosens a rule.
 */
@Injectable()
export class QrLoginService<TUser = any> implements OnModuleDestroy {
  private readonly repository: QrLoginKernelParts['repository'];
  private readonly audit: QrLoginKernelParts['audit'];
  private readonly watcher: QrLoginKernelParts['watcher'];
  private readonly redeemer: QrLoginKernelParts['redeemer'];
  private readonly userCodes: QrLoginKernelParts['userCodes'];
  private readonly issuer: QrLoginKernelParts['issuer'];
  private readonly actions: QrLoginKernelParts['actions'];
  private readonly reader: QrLoginKernelParts['reader'];

  constructor(
    @Inject(QR_LOGIN_CONFIG) private readonly config: ResolvedQrLoginConfig,
    @Inject(QR_LOGIN_STORE) store: QrLoginStore,
    @Inject(QR_LOGIN_RISK) risk: QrLoginRiskPort,
    // A plugin's, when one provides it globally (the telemetry module); else nothing is measured.
    @Optional() @Inject(QR_LOGIN_INSTRUMENTATION) instrumentation?: QrLoginInstrumentation,
    // The module's passkey layer; without one every code is approved by the phone's token.
    @Optional() @Inject(QR_LOGIN_APPROVAL) approval?: QrLoginApprovalPort,
  ) {
    ({
      repository: this.repository,
      audit: this.audit,
      watcher: this.watcher,
      redeemer: this.redeemer,
      userCodes: this.userCodes,
      issuer: this.issuer,
      actions: this.actions,
      reader: this.reader,
    } = wireQrLoginKernel(config, store, risk, instrumentation, approval));
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
   * Lifecycle events of this process (created, scanned, authorized, cancelled, expired, rotated, redeemed,
   * refused), for audit logs. Hot: subscribers see what happens after they subscribe. No secret is in them.
   */
  get events$(): Observable<QrLoginEvent> {
    return this.audit.events$;
  }

  /** Settings a plugin may need to agree with (read-only). */
  get settings(): QrLoginKernelSettings {
    const { routePrefix, qrCodeTtlMs, ticketTtlMs, security, issueTokenSetGiven, clock, userCodes } = this.config;
    return {
      routePrefix,
      numberMatching: security.numberMatching !== false,
      qrCodeTtlMs,
      ticketTtlMs,
      issuesTokenSets: issueTokenSetGiven,
      clock,
      userCodes,
    };
  }

  onModuleDestroy(): void {
    this.audit.close();
  }

  /** Lets a code type other than `MOBILE_APP` be created (e.g. WeChat's); one handler per type. */
  registerTypeHandler(handler: QrCodeTypeHandler): void {
    this.issuer.register(handler);
  }

  /**
   * Creates a PENDING code with a fresh creator secret. `options` (binding, flow) are stored with it; by
   * default the native routes' binding (`bindToCreator`), a QR.
   */
  create(
    input: CreateQrCodeInput = {},
    requester: CreateQrCodeRequester = {},
    options: CreateQrCodeOptions = {},
  ): Promise<QrCodeCreated> {
    return this.issuer.create(input, requester, options);
  }

  /**
   * The qrcodeId a user code (typed, or read from a link) stands for, the same for every route and plugin:
   * 400 `QR_VALIDATION_FAILED` when the text cannot be a user code, 404 `QR_USER_CODE_NOT_FOUND` when no
   * live code has it. Callers facing people should rate-limit it per user.
   */
  resolveUserCode(userCode: unknown): Promise<string> {
    return this.userCodes.resolve(userCode);
  }

  /**
   * SCAN by user code (see `resolveUserCode`), the only way to a device flow. `entry` is how the code came,
   * as the phone's request says: `typed`, or `link` (the default); a device flow reached by a link answers
   * user codes to pick from (with number matching on), so a phished link alone approves nothing.
   */
  async scanByUserCode(userCode: unknown, appUser: unknown, scanner: Scanner = {}, entry: UserCodeEntry = {}) {
    return (await this.actByUserCode(userCode, 'SCAN', appUser, { scanner, ...entry })) as QrScanResult;
  }

  /** `act` on the code a user code stands for: how a phone scans, confirms and cancels a device flow. */
  actByUserCode(userCode: unknown, action: QrCodeAction, appUser: unknown, options: ActOptions = {}) {
    const reach = { by: 'user-code', entry: options.entry } as const;
    return this.actions.act(() => this.resolveUserCode(userCode), action, appUser, options, reach);
  }

  /** What a user code asks (`QrUserCodeRequest`), read-only: for a phone page opened by a link, before any tap. */
  async describeUserCode(userCode: unknown): Promise<QrUserCodeRequest> {
    return this.reader.request(await this.resolveUserCode(userCode));
  }

  /**
   * A status read by a client told to poll no faster than `pace.intervalMs` (the device grant's token
   * endpoint), paced on the kernel's clock and through the store, so it holds across instances. Only a reader
   * whom the binding lets see all may poll (401 `QR_CREATOR_SECRET_REQUIRED`); a poll too soon after the last
   * one answers `slowDown` and grows the interval by `pace.slowDownMs` for good. A forgotten code reads EXPIRED.
   */
  poll(qrcodeId: string, proof: QrCodeProof, pace: PollPace): Promise<QrLoginPollResult> {
    return this.reader.poll(qrcodeId, proof, pace);
  }

  /** The current status, as much of it as `proof` lets the reader see (per the code's binding). */
  getStatus(qrcodeId: string, proof?: QrCodeProof): Promise<QrCodeStatusView> {
    return this.reader.status(qrcodeId, proof);
  }

  /**
   * What a plugin may know of a code to serve it (type, status, binding and
   * the creator's JSON), never its secrets or ticket; 404 / 410 like an action.
   */
  inspect(qrcodeId: string): Promise<QrCodeInfo> {
    return this.reader.inspect(qrcodeId);
  }

  /**
   * The image file of a native (`MOBILE_APP`) code, for `GET {prefix}/qrcodes/:id/image`: it only encodes the
   * payload, which ids already make public. 404 for an unknown id or another type, 410 once expired.
   */
  image(qrcodeId: string): Promise<{ contentType: string; body: Buffer; maxAgeSeconds: number }> {
    return this.reader.image(qrcodeId);
  }

  /** The status now, then every change until a terminal one (`QrLoginWatcher`); the creator's follows rotations. */
  watch(qrcodeId: string, proof?: QrCodeProof): Observable<QrCodeStatusView> {
    return this.watcher.watch(qrcodeId, proof);
  }

  /**
   * SCAN by an app user: the code becomes SCANNED and the phone learns who asked to log in and how far away it
   * is (`scanner`: the phone's request). The risk policy is asked first; a `deny` cancels the code (its page
   * sees `cancelReason: 'RISK_DENIED'`) and refuses the scan. A device flow: 403 `QR_USER_CODE_REQUIRED`.
   */
  scan(qrcodeId: string, appUser: unknown, scanner: Scanner = {}): Promise<QrScanResult> {
    return this.actions.scan(qrcodeId, appUser, scanner);
  }

  /**
   * CONFIRM by the user who scanned: the code becomes AUTHORIZED and gets a
   * single-use ticket. With number matching on, `matchCode` must be the number
   * the page shows; a wrong one cancels the code (403 `QR_MATCH_FAILED`). A code marked for a passkey at scan
   * needs `passkey`, an assertion over its derived challenge (403 `QR_PASSKEY_*`; a bad one cancels the code).
   */
  confirm(qrcodeId: string, appUser: unknown, options: ConfirmOptions = {}): Promise<QrCodeStatusView> {
    return this.actions.confirm(qrcodeId, appUser, options);
  }

  /** CANCEL by the user who scanned: the code becomes CANCELLED. */
  cancel(qrcodeId: string, appUser: unknown): Promise<QrCodeStatusView> {
    return this.actions.cancel(qrcodeId, appUser);
  }

  /**
   * Ends an open code on the site's behalf (a policy said no, a plugin's confirmation timed out): it becomes
   * CANCELLED with `reason`, the page's `cancelReason`. A code that already ended is left as it is.
   */
  refuse(qrcodeId: string, reason: string): Promise<QrCodeStatusView> {
    return this.actions.refuse(qrcodeId, reason);
  }

  /** Runs one of the three app-side actions by name (GenAuth's `change-qrcode-status`). */
  act(qrcodeId: string, action: QrCodeAction, appUser: unknown, options: ActOptions = {}) {
    return this.actions.act(qrcodeId, action, appUser, options, BY_ID);
  }

  /**
   * Redeems a ticket once, if `proof` satisfies the code's binding, and
   * returns the login's context. The binding is checked before anything
   * about the ticket is told.
   */
  redeemTicket(ticket: unknown, proof?: QrCodeProof): Promise<QrLoginContext> {
    return this.redeemer.redeem(ticket, proof);
  }

  /** Loads the user for a redeemed ticket with the `loadUser` hook; nothing returned refuses the login (401 `QR_USER_REFUSED`). */
  async loadUser(context: QrLoginContext): Promise<TUser> {
    return (await this.redeemer.loadUser(context)) as TUser;
  }

  /** Issues what `POST /login` answers, with the `issueTokenSet` hook. */
  issueTokenSet(user: TUser, context: QrLoginContext): Promise<unknown> {
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

  /**
   * Points `alias` (within `scope`) at a code until `expiresAt` (ms since the
   * epoch), atomically on every instance sharing the store: false, changing
   * nothing, while the alias points somewhere already. For plugins that find
   * a code by something else than its id (a WeChat user's pending confirmation).
   */
  setAlias(scope: string, alias: string, qrcodeId: string, expiresAt: number): Promise<boolean> {
    return this.repository.call((store) => store.setAlias(`${scope}:${alias}`, qrcodeId, expiresAt));
  }

  /** The code `alias` (within `scope`) points to, or null when unknown or expired. */
  resolveAlias(scope: string, alias: string): Promise<string | null> {
    return this.repository.call((store) => store.resolveAlias(`${scope}:${alias}`));
  }

  /**
   * Reports a plugin's inbound message on `events$`: `accepted`, or `refused`
   * with the error code answered, so a forged or replayed push is audited like
   * a refused scan. Carries no secret; `source` names the plugin's connection.
   */
  report(event: QrLoginPluginReport): void {
    const { qrcodeId = '', ...rest } = event;
    this.audit.report({ ...rest, qrcodeId });
  }
}
