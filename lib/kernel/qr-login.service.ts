import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { Observable, Subject, type Subscription } from 'rxjs';
import { QR_LOGIN_CONFIG, QR_LOGIN_STORE } from './qr-login.constants';
import type { ResolvedQrLoginConfig } from './qr-login.config';
import { QrLoginException, QrLoginStoreUnavailableError, qrErrors } from './qr-login.errors';
import {
  expiryOfQrCodeId,
  hashSecret,
  isQrCodeId,
  newQrCodeId,
  newSecret,
  newTicket,
  qrCodeIdOfTicket,
  safeEqual,
} from './qr-login.ids';
import { renderQrDataUrl } from './qr-login.image';
import type {
  JsonObject,
  QrCodeAction,
  QrCodeRecord,
  QrCodeStatus,
  QrCodeType,
} from './interfaces/qr-code.interface';
import type { QrLoginEvent } from './interfaces/qr-login-events.interface';
import type { QrLoginContext } from './interfaces/qr-login-options.interface';
import type { QrLoginStore } from './interfaces/qr-login-store.interface';
import type { QrCodeCreated, QrCodeStatusView, QrScanResult } from './interfaces/qr-login-views.interface';

/** Input of `create`. */
export interface CreateQrCodeInput {
  /** `MOBILE_APP` (the default) is served by the core; other types need a registered `QrCodeTypeHandler`. */
  type?: QrCodeType;
  /** For handler types: which configured connection to use (GenAuth's `extIdpConnId`). */
  extIdpConnId?: string;
  /** For handler types that support it: merge the logo into the image on the server. */
  autoMergeQrCode?: boolean;
  /** Arbitrary JSON handed to the hooks on authorization (GenAuth's `customData`). */
  customData?: JsonObject;
  /** Arbitrary JSON handed to the hooks on authorization (GenAuth's `context`). */
  context?: JsonObject;
}

/** One creator secret, or every candidate a request carries (header and cookies); any match counts. */
export type CreatorSecrets = string | readonly string[];

/** What a `QrCodeTypeHandler` makes for a new code. */
export interface QrCodeRendering {
  /** Image URL (data URL or remote) the page shows. */
  url: string;
  /** Text or URL inside the QR image. */
  payload: string;
  /** Logo for the client to stitch onto the image (GenAuth's `customLogoUrl`). */
  customLogoUrl?: string;
}

/**
 * Serves a code type other than `MOBILE_APP` (e.g. WeChat's): renders the image
 * through its own channel. The state machine, store and routes stay the same.
 * Register with `QrLoginService.registerTypeHandler()`, e.g. in `onModuleInit`.
 */
export interface QrCodeTypeHandler {
  readonly type: Exclude<QrCodeType, 'MOBILE_APP'>;
  /** Called before the code is stored; a throw (e.g. an upstream error) aborts the creation. */
  render(code: { qrcodeId: string; expiresAt: number; input: CreateQrCodeInput }): Promise<QrCodeRendering>;
}

/** Facts about the creating request. */
export interface CreateQrCodeRequester {
  ip?: string;
  userAgent?: string;
}

const TERMINAL: ReadonlySet<QrCodeStatus> = new Set(['AUTHORIZED', 'CANCELLED', 'EXPIRED', 'ERROR']);

/** Whether no further status can follow. */
export function isTerminalStatus(status: QrCodeStatus): boolean {
  return TERMINAL.has(status);
}

// A compare-and-set loses only to a concurrent change, after which the state
// machine decides again; this many rounds means something else is broken.
const MAX_CAS_ROUNDS = 32;

// Codes that ended (authorized or cancelled) are kept this long past their
// expiry, so late readers still see how they ended and an expiry check can
// tell "gone because expired" from "gone because finished".
const TERMINAL_GRACE_MS = 5_000;

/**
 * The scan-to-login state machine. Every change reads the record, decides in
 * code, and writes with the store's compare-and-set, retrying on a lost race;
 * so the rules live here once and any atomic store makes them race-free.
 */
@Injectable()
export class QrLoginService implements OnModuleDestroy {
  private activeWatches = 0;
  private readonly typeHandlers = new Map<QrCodeType, QrCodeTypeHandler>();
  private readonly events = new Subject<QrLoginEvent>();
  /** Codes created here that are still open: checked at their expiry to report `expired`. */
  private readonly expiryChecks = new Map<string, NodeJS.Timeout>();

  constructor(
    @Inject(QR_LOGIN_CONFIG) private readonly config: ResolvedQrLoginConfig,
    @Inject(QR_LOGIN_STORE) private readonly store: QrLoginStore,
  ) {}

  /** Number of `watch()` subscriptions currently open (SSE streams among them). */
  get activeWatchCount(): number {
    return this.activeWatches;
  }

  /** Number of expiry checks armed for codes created by this process. For diagnostics and tests. */
  get pendingExpiryChecks(): number {
    return this.expiryChecks.size;
  }

  /**
   * Lifecycle events of this process (created, scanned, authorized,
   * cancelled, expired, rotated, redeemed, refused), for audit logs. Hot:
   * subscribers see what happens after they subscribe.
   */
  get events$(): Observable<QrLoginEvent> {
    return this.events.asObservable();
  }

  onModuleDestroy(): void {
    for (const timer of this.expiryChecks.values()) clearTimeout(timer);
    this.expiryChecks.clear();
    this.events.complete();
  }

  /** Lets a code type other than `MOBILE_APP` be created; one handler per type. */
  registerTypeHandler(handler: QrCodeTypeHandler): void {
    if (this.typeHandlers.has(handler.type)) {
      throw new Error(`A handler for QR code type ${handler.type} is registered already; register each type once.`);
    }
    this.typeHandlers.set(handler.type, handler);
  }

  /** Creates a PENDING code bound to a fresh creator secret. */
  async create(input: CreateQrCodeInput = {}, requester: CreateQrCodeRequester = {}): Promise<QrCodeCreated> {
    const type = input.type ?? 'MOBILE_APP';
    const handler = this.typeHandlers.get(type);
    if (type !== 'MOBILE_APP' && !handler) {
      throw qrErrors.validation(`QR code type ${String(type)} is not enabled in this app; use MOBILE_APP or configure its module.`);
    }
    this.checkJson('customData', input.customData);
    this.checkJson('context', input.context);
    const now = Date.now();
    // The id stores its expiry in whole seconds, so the record uses the same rounding.
    const expiresAt = Math.ceil((now + this.config.qrCodeTtlMs) / 1000) * 1000;
    const creatorSecret = newSecret();
    const record: QrCodeRecord = this.newRecord(newQrCodeId(expiresAt), type, now, expiresAt, hashSecret(creatorSecret), {
      ip: requester.ip,
      userAgent: requester.userAgent?.slice(0, 512),
      createdAt: new Date(now).toISOString(),
      ...(this.config.appName ? { appName: this.config.appName } : {}),
    });
    if (input.customData) record.customData = input.customData;
    if (input.context) record.context = input.context;
    const rendering = handler
      ? await handler.render({ qrcodeId: record.id, expiresAt, input })
      : await this.renderNative(record.id);
    await this.storeCall(() => this.store.create(record));
    this.opened(record);
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

  /**
   * The current status. The ticket is included only when `creatorSecret`
   * matches (or `bindToCreator` is off). Pass `{ skipCreatorCheck: true }`
   * only for clients that cannot carry the creator secret and whose ticket
   * redemption is protected otherwise (e.g. by client authentication).
   */
  async getStatus(
    qrcodeId: string,
    creatorSecret?: CreatorSecrets,
    options: { skipCreatorCheck?: boolean } = {},
  ): Promise<QrCodeStatusView> {
    const record = await this.find(qrcodeId);
    return record ? this.view(record, creatorSecret, options.skipCreatorCheck) : { qrcodeId, status: 'EXPIRED' };
  }

  /**
   * The current status, then every change, completing after a terminal status
   * (EXPIRED included, announced when the lifetime passes even if nothing
   * else happens). Errors of the store arrive as one `ERROR` status. With
   * `rotateEvery` set, the creator's stream replaces an unscanned code on
   * schedule and goes on with the new one (its view carries `url`, `payload`
   * and `rotatedFrom`); anyone else's stream ends with EXPIRED at rotation.
   */
  watch(qrcodeId: string, creatorSecret?: CreatorSecrets): Observable<QrCodeStatusView> {
    return new Observable<QrCodeStatusView>((subscriber) => {
      this.activeWatches++;
      let currentId = qrcodeId;
      let lastVersion = 0;
      let changes: Subscription | undefined;
      let expiryTimer: NodeJS.Timeout | undefined;
      let rotationTimer: NodeJS.Timeout | undefined;
      // Changes that arrive while the stream moves to a rotated code wait here.
      let held: QrCodeRecord[] | undefined;
      const rotateEveryMs = this.config.security.rotateEveryMs;
      const emit = (view: QrCodeStatusView) => {
        if (subscriber.closed) return;
        subscriber.next(view);
        if (isTerminalStatus(view.status)) subscriber.complete();
      };
      const fail = (error: unknown) => {
        if (!(error instanceof QrLoginException)) return subscriber.error(error);
        const body = error.getResponse() as { code: string; message: string };
        emit({ qrcodeId: currentId, status: 'ERROR', code: body.code, message: body.message });
      };
      const onRecord = (record: QrCodeRecord | null) => {
        if (held) return void (record && held.push(record));
        if (record === null) return emit({ qrcodeId: currentId, status: 'EXPIRED' });
        if (record.id !== currentId || record.version <= lastVersion) return;
        lastVersion = record.version;
        if (record.replacedBy) {
          // Only the creator follows a rotation; anyone else saw a code that is now dead.
          if (this.seesAll(record, creatorSecret)) return moveTo(record.replacedBy, record.id);
          return emit({ qrcodeId: currentId, status: 'EXPIRED' });
        }
        emit(this.view(record, creatorSecret));
        armTimers(record);
      };
      // At the expiry the record may be unchanged (same version) yet its
      // derived status is now EXPIRED, so this path bypasses the version check.
      const checkExpiry = (record: QrCodeRecord | null) => {
        if (record === null || record.version > lastVersion) return onRecord(record);
        const view = this.view(record, creatorSecret);
        if (isTerminalStatus(view.status)) emit(view);
      };
      const moveTo = (nextId: string, previousId: string) => {
        follow(nextId);
        held = [];
        Promise.all([this.storeCall(() => this.store.get(nextId)), this.renderNative(nextId)]).then(([record, rendering]) => {
          const waiting = held ?? [];
          held = undefined;
          if (record === null) return emit({ qrcodeId: nextId, status: 'EXPIRED' });
          lastVersion = record.version;
          emit({ ...this.view(record, creatorSecret), url: rendering.url, payload: rendering.payload, rotatedFrom: previousId });
          armTimers(record);
          for (const later of waiting) onRecord(later);
        }, fail);
      };
      // Timers of an open code: the expiry check, and (creator, unscanned) the next rotation.
      const armTimers = (record: QrCodeRecord) => {
        if (isTerminalStatus(this.statusOf(record, Date.now()))) return;
        const rotates = rotateEveryMs && record.status === 'PENDING' && record.type === 'MOBILE_APP';
        if (rotates && rotationTimer === undefined && this.seesAll(record, creatorSecret)) {
          rotationTimer = setTimeout(() => {
            rotationTimer = undefined;
            // The change feed then carries the old record's `replacedBy`, which moves this stream.
            this.rotate(currentId).catch(fail);
          }, rotateEveryMs);
        }
        if (expiryTimer === undefined) {
          expiryTimer = setTimeout(() => {
            expiryTimer = undefined;
            this.storeCall(() => this.store.get(currentId)).then(checkExpiry, fail);
          }, Math.max(record.expiresAt - Date.now(), 0) + 5);
        }
      };
      // Subscribe to changes before reading, so nothing between the two is lost;
      // versions drop whatever arrives twice.
      const follow = (id: string) => {
        changes?.unsubscribe();
        clearTimeout(expiryTimer);
        clearTimeout(rotationTimer);
        expiryTimer = rotationTimer = undefined;
        currentId = id;
        lastVersion = 0;
        changes = this.store.watch(id).subscribe({
          next: onRecord,
          error: (error) => fail(error instanceof QrLoginStoreUnavailableError ? qrErrors.storeUnavailable() : error),
        });
      };
      follow(qrcodeId);
      this.storeCall(() => this.store.get(qrcodeId)).then(onRecord, fail);
      return () => {
        changes?.unsubscribe();
        clearTimeout(expiryTimer);
        clearTimeout(rotationTimer);
        this.activeWatches--;
      };
    });
  }

  /** SCAN by an app user: the code becomes SCANNED and the phone learns who asked to log in. */
  async scan(qrcodeId: string, appUser: unknown): Promise<QrScanResult> {
    const userId = this.config.getUserId(appUser);
    const briefUserInfo = await this.config.getBriefUserInfo(appUser);
    const record = await this.transition(qrcodeId, 'SCAN', userId, (current, now) => {
      if (current.status === 'SCANNED') {
        // The same phone may repeat its scan (a retry after a lost answer).
        if (current.scannedBy?.userId === userId) return undefined;
        throw qrErrors.alreadyScanned();
      }
      if (current.status !== 'PENDING') throw qrErrors.wrongState(current.status, 'SCAN');
      current.status = 'SCANNED';
      current.scannedBy = { userId, briefUserInfo, scannedAt: now };
      return current;
    });
    this.emitEvent('scanned', record, { userId });
    return {
      qrcodeId,
      status: 'SCANNED',
      expiresIn: Math.max(0, Math.floor((record.expiresAt - Date.now()) / 1000)),
      requester: record.requester,
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
    const record = await this.transition(qrcodeId, 'CONFIRM', userId, (current, now) => {
      this.assertScannedBy(current, userId, 'CONFIRM');
      mismatch = false;
      if (current.match) {
        if (options.matchCode === undefined || options.matchCode === '') throw qrErrors.matchRequired();
        if (!safeEqual(String(options.matchCode), current.match.code)) {
          // A wrong pick may be a relayed code on an attacker's page: end it.
          mismatch = true;
          current.status = 'CANCELLED';
          current.cancelReason = 'MATCH_FAILED';
          current.endedAt = now;
          current.retainUntil = current.expiresAt + TERMINAL_GRACE_MS;
          return current;
        }
      }
      const ticketExpiresAt = now + this.config.ticketTtlMs;
      current.status = 'AUTHORIZED';
      current.ticket = { value: newTicket(current.id), expiresAt: ticketExpiresAt };
      current.endedAt = now;
      current.retainUntil = Math.max(current.expiresAt + TERMINAL_GRACE_MS, ticketExpiresAt);
      return current;
    });
    if (mismatch) {
      this.emitEvent('cancelled', record, { userId, code: 'QR_MATCH_FAILED' });
      throw this.refused(qrErrors.matchFailed(), qrcodeId, 'CONFIRM', userId);
    }
    this.emitEvent('authorized', record, { userId });
    if (this.config.onAuthorized) await this.config.onAuthorized(this.contextOf(record));
    return this.view(record, undefined);
  }

  /** CANCEL by the user who scanned: the code becomes CANCELLED. */
  async cancel(qrcodeId: string, appUser: unknown): Promise<QrCodeStatusView> {
    const userId = this.config.getUserId(appUser);
    const record = await this.transition(qrcodeId, 'CANCEL', userId, (current, now) => {
      this.assertScannedBy(current, userId, 'CANCEL');
      current.status = 'CANCELLED';
      current.endedAt = now;
      current.retainUntil = current.expiresAt + TERMINAL_GRACE_MS;
      return current;
    });
    this.emitEvent('cancelled', record, { userId });
    return this.view(record, undefined);
  }

  /** Runs one of the three app-side actions by name (GenAuth's `change-qrcode-status`). */
  async act(
    qrcodeId: string,
    action: QrCodeAction,
    appUser: unknown,
    options: { matchCode?: string } = {},
  ): Promise<QrScanResult | QrCodeStatusView> {
    switch (action) {
      case 'SCAN':
        return this.scan(qrcodeId, appUser);
      case 'CONFIRM':
        return this.confirm(qrcodeId, appUser, options);
      case 'CANCEL':
        return this.cancel(qrcodeId, appUser);
      default:
        throw qrErrors.validation('"action" must be SCAN, CONFIRM or CANCEL.');
    }
  }

  /**
   * Redeems a ticket once: marks it used atomically and returns the login's
   * context. With `bindToCreator` on, `creatorSecret` must be the creator's.
   * Pass `{ skipCreatorCheck: true }` only for clients that authenticate
   * otherwise (e.g. a confidential client with its own secret).
   */
  async redeemTicket(
    ticket: unknown,
    creatorSecret?: CreatorSecrets,
    options: { skipCreatorCheck?: boolean } = {},
  ): Promise<QrLoginContext> {
    if (typeof ticket !== 'string' || ticket === '') throw qrErrors.ticketMissing();
    const qrcodeId = qrCodeIdOfTicket(ticket);
    if (!qrcodeId) throw qrErrors.ticketInvalid();
    let record: QrCodeRecord;
    try {
      record = await this.casLoop(qrcodeId, 'REDEEM', (current, now) => {
        if (current.status !== 'AUTHORIZED' || !current.ticket || !safeEqual(current.ticket.value, ticket)) {
          throw qrErrors.ticketInvalid();
        }
        if (current.ticket.redeemedAt !== undefined) throw qrErrors.ticketUsed();
        if (now >= current.ticket.expiresAt) throw qrErrors.ticketExpired();
        if (this.config.bindToCreator && !options.skipCreatorCheck && !this.isCreator(current, creatorSecret)) {
          throw qrErrors.creatorSecretRequired();
        }
        current.ticket.redeemedAt = now;
        return current;
      });
    } catch (error) {
      if (!(error instanceof QrLoginException)) throw error;
      // A code the store forgot means its ticket's life is over too.
      const forgotten = error.code === 'QR_NOT_FOUND' || error.code === 'QR_EXPIRED';
      throw this.refused(forgotten ? qrErrors.ticketInvalid() : error, qrcodeId, 'REDEEM', undefined);
    }
    const context = this.contextOf(record);
    this.emitEvent('redeemed', record, { userId: context.userId });
    return context;
  }

  /**
   * Loads the user for a redeemed ticket with the `loadUser` hook; a hook that
   * returns nothing refuses the login (401 `QR_USER_REFUSED`).
   */
  async loadUser(context: QrLoginContext): Promise<unknown> {
    const user = await this.config.loadUser(context.userId, context);
    if (user === null || user === undefined || user === false) throw qrErrors.userRefused();
    return user;
  }

  /** Issues what `POST /login` answers, with the `issueTokenSet` hook. */
  issueTokenSet(user: unknown, context: QrLoginContext): Promise<unknown> {
    return Promise.resolve(this.config.issueTokenSet(user, context));
  }

  private async storeCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof QrLoginStoreUnavailableError) throw qrErrors.storeUnavailable();
      throw error;
    }
  }

  /** The record, or null when the id is well-formed but its code expired and was forgotten; 404 otherwise. */
  private async find(qrcodeId: string): Promise<QrCodeRecord | null> {
    if (!isQrCodeId(qrcodeId)) throw qrErrors.notFound();
    const record = await this.storeCall(() => this.store.get(qrcodeId));
    if (record) return record;
    const expiry = expiryOfQrCodeId(qrcodeId);
    if (expiry !== undefined && expiry <= Date.now()) return null;
    throw qrErrors.notFound();
  }

  /**
   * Read → decide → compare-and-set, again on a lost race. `decide` mutates
   * and returns the record, returns undefined for "nothing to change", or
   * throws the refusal.
   */
  private async transition(
    qrcodeId: string,
    action: QrCodeAction | 'REDEEM' | 'ROTATE',
    userId: string | undefined,
    decide: (current: QrCodeRecord, now: number) => QrCodeRecord | undefined,
  ): Promise<QrCodeRecord> {
    try {
      return await this.casLoop(qrcodeId, action, decide);
    } catch (error) {
      if (error instanceof QrLoginException && action !== 'ROTATE') throw this.refused(error, qrcodeId, action, userId);
      throw error;
    }
  }

  private async casLoop(
    qrcodeId: string,
    action: QrCodeAction | 'REDEEM' | 'ROTATE',
    decide: (current: QrCodeRecord, now: number) => QrCodeRecord | undefined,
  ): Promise<QrCodeRecord> {
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const current = await this.find(qrcodeId);
      const now = Date.now();
      if (current === null) throw qrErrors.expired();
      if (action !== 'REDEEM' && this.statusOf(current, now) === 'EXPIRED') throw qrErrors.expired();
      const expectedVersion = current.version;
      const next = decide(current, now);
      if (next === undefined) return current;
      next.version = expectedVersion + 1;
      if (await this.storeCall(() => this.store.compareAndSet(qrcodeId, expectedVersion, next))) return next;
    }
    throw new Error(`QR code ${qrcodeId} kept changing during ${action}; the store's compareAndSet may be broken.`);
  }

  private assertScannedBy(record: QrCodeRecord, userId: string, action: QrCodeAction): void {
    if (record.status !== 'SCANNED') throw qrErrors.wrongState(record.status, action);
    if (record.scannedBy?.userId !== userId) throw qrErrors.notScanner();
  }

  private isCreator(record: QrCodeRecord, creatorSecret: CreatorSecrets | undefined): boolean {
    const candidates = typeof creatorSecret === 'string' ? [creatorSecret] : (creatorSecret ?? []);
    // Every candidate is compared, so timing does not tell which one matched.
    let match = false;
    for (const candidate of candidates) {
      if (typeof candidate === 'string' && safeEqual(hashSecret(candidate), record.creatorSecretHash)) match = true;
    }
    return match;
  }

  private statusOf(record: QrCodeRecord, now: number): QrCodeStatus {
    if ((record.status === 'PENDING' || record.status === 'SCANNED') && now >= record.expiresAt) return 'EXPIRED';
    return record.status;
  }

  /**
   * What a reader may see. Anonymous readers (anyone who saw the QR) get only
   * id, status and lifetime; who scanned, the ticket and the match number go
   * to the creator alone, unless `bindToCreator` is off.
   */
  private view(record: QrCodeRecord, creatorSecret: CreatorSecrets | undefined, skipCreatorCheck = false): QrCodeStatusView {
    const now = Date.now();
    const status = this.statusOf(record, now);
    const view: QrCodeStatusView = { qrcodeId: record.id, status };
    const open = status === 'PENDING' || status === 'SCANNED';
    if (open) view.expiresIn = Math.max(0, Math.floor((record.expiresAt - now) / 1000));
    if (status === 'CANCELLED' && record.cancelReason) view.cancelReason = record.cancelReason;
    if (this.config.bindToCreator && !skipCreatorCheck && !this.isCreator(record, creatorSecret)) return view;
    if (record.scannedBy && (status === 'SCANNED' || status === 'AUTHORIZED')) {
      view.briefUserInfo = record.scannedBy.briefUserInfo;
    }
    if (open && record.match) view.matchCode = record.match.code;
    const ticket = record.ticket;
    if (status === 'AUTHORIZED' && ticket && ticket.redeemedAt === undefined && now < ticket.expiresAt) {
      view.ticket = ticket.value;
    }
    return view;
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
    };
  }

  private newRecord(
    id: string,
    type: QrCodeType,
    now: number,
    expiresAt: number,
    creatorSecretHash: string,
    requester: QrCodeRecord['requester'],
  ): QrCodeRecord {
    const record: QrCodeRecord = {
      id,
      type,
      status: 'PENDING',
      version: 1,
      createdAt: now,
      expiresAt,
      retainUntil: expiresAt,
      creatorSecretHash,
      requester,
    };
    const matching = this.config.security.numberMatching;
    if (matching) {
      const pick = () => String(randomInt(10 ** matching.digits)).padStart(matching.digits, '0');
      const code = pick();
      const choices = new Set([code]);
      while (choices.size < matching.choices) choices.add(pick());
      // Shuffle so the right number's place tells nothing.
      const list = [...choices];
      for (let i = list.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [list[i], list[j]] = [list[j], list[i]];
      }
      record.match = { code, choices: list };
    }
    return record;
  }

  private async renderNative(qrcodeId: string): Promise<QrCodeRendering> {
    const payload = this.config.payload(qrcodeId);
    return { payload, url: await renderQrDataUrl(payload, this.config.imageFormat) };
  }

  /**
   * Replaces a still-PENDING code by a new one with the same creator and
   * expiry, and ends the old one (it reads EXPIRED; its record keeps
   * `replacedBy`, which moves the creator's streams to the new code). The new
   * code is stored first, so a stream that moves never finds it missing; if
   * the old one changed meanwhile (scanned), the new one is left to expire.
   */
  private async rotate(qrcodeId: string): Promise<void> {
    const current = await this.storeCall(() => this.store.get(qrcodeId));
    if (!current || current.status !== 'PENDING' || current.replacedBy || Date.now() >= current.expiresAt) return;
    const next = this.newRecord(
      newQrCodeId(current.expiresAt),
      current.type,
      Date.now(),
      current.expiresAt,
      current.creatorSecretHash,
      current.requester,
    );
    if (current.customData) next.customData = current.customData;
    if (current.context) next.context = current.context;
    await this.storeCall(() => this.store.create(next));
    const old = await this.transition(qrcodeId, 'ROTATE', undefined, (record, at) => {
      if (record.status !== 'PENDING' || record.replacedBy) return undefined;
      record.replacedBy = next.id;
      record.expiresAt = at;
      return record;
    });
    if (old.replacedBy !== next.id) return;
    this.closeExpiryCheck(qrcodeId);
    this.emitEvent('rotated', old, { replacedBy: next.id });
    this.opened(next);
  }

  /** Whether a reader sees the creator-only fields (and follows rotations). */
  private seesAll(record: QrCodeRecord, creatorSecret: CreatorSecrets | undefined): boolean {
    return !this.config.bindToCreator || this.isCreator(record, creatorSecret);
  }

  /** Reports a new code and arms the check that reports its expiry. */
  private opened(record: QrCodeRecord): void {
    this.emitEvent('created', record, {});
    const timer = setTimeout(() => {
      this.expiryChecks.delete(record.id);
      this.store.get(record.id).then(
        (latest) => {
          // Terminal records outlive the expiry (TERMINAL_GRACE_MS), so a record
          // already gone was still open when its lifetime ended.
          if (latest === null || (!latest.replacedBy && this.statusOf(latest, Date.now()) === 'EXPIRED')) {
            this.emitEvent('expired', latest ?? record, {});
          }
        },
        // Nothing to report when the store cannot be read; the code is gone either way.
        () => undefined,
      );
    }, Math.max(record.expiresAt - Date.now(), 0) + 5);
    timer.unref();
    this.expiryChecks.set(record.id, timer);
  }

  private closeExpiryCheck(qrcodeId: string): void {
    clearTimeout(this.expiryChecks.get(qrcodeId));
    this.expiryChecks.delete(qrcodeId);
  }

  private emitEvent(type: QrLoginEvent['type'], record: QrCodeRecord, extra: Partial<QrLoginEvent>): void {
    if (type === 'authorized' || type === 'cancelled') this.closeExpiryCheck(record.id);
    if (!this.events.observed) return;
    this.events.next({ type, qrcodeId: record.id, at: Date.now(), requester: record.requester, ...extra });
  }

  /** Reports a refusal and hands the error back for throwing. */
  private refused(
    error: QrLoginException,
    qrcodeId: string,
    action: QrCodeAction | 'REDEEM',
    userId: string | undefined,
  ): QrLoginException {
    if (this.events.observed) {
      this.events.next({ type: 'refused', qrcodeId, at: Date.now(), action, code: error.code, ...(userId ? { userId } : {}) });
    }
    return error;
  }

  /** Size and depth limits for `customData` and `context`: they are stored with the code and echoed to hooks. */
  private checkJson(field: string, value: JsonObject | undefined): void {
    if (value === undefined) return;
    if (Buffer.byteLength(JSON.stringify(value)) > this.config.maxCustomDataBytes) {
      throw qrErrors.payloadTooLarge(field, this.config.maxCustomDataBytes);
    }
    const maxDepth = this.config.security.maxCustomDataDepth;
    const deepest = (node: unknown, depth: number): number => {
      if (depth > maxDepth || node === null || typeof node !== 'object') return depth;
      let max = depth;
      for (const child of Object.values(node)) max = Math.max(max, deepest(child, depth + 1));
      return max;
    };
    if (deepest(value, 1) > maxDepth) {
      throw qrErrors.validation(`"${field}" is nested deeper than ${maxDepth} levels; flatten it or raise maxCustomDataDepth.`);
    }
  }
}
