import { Inject, Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
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

/**
 * The scan-to-login state machine. Every change reads the record, decides in
 * code, and writes with the store's compare-and-set, retrying on a lost race;
 * so the rules live here once and any atomic store makes them race-free.
 */
@Injectable()
export class QrLoginService {
  private activeWatches = 0;
  private readonly typeHandlers = new Map<QrCodeType, QrCodeTypeHandler>();

  constructor(
    @Inject(QR_LOGIN_CONFIG) private readonly config: ResolvedQrLoginConfig,
    @Inject(QR_LOGIN_STORE) private readonly store: QrLoginStore,
  ) {}

  /** Number of `watch()` subscriptions currently open (SSE streams among them). */
  get activeWatchCount(): number {
    return this.activeWatches;
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
    this.checkJsonSize('customData', input.customData);
    this.checkJsonSize('context', input.context);
    const now = Date.now();
    // The id stores its expiry in whole seconds, so the record uses the same rounding.
    const expiresAt = Math.ceil((now + this.config.qrCodeTtlMs) / 1000) * 1000;
    const id = newQrCodeId(expiresAt);
    const creatorSecret = newSecret();
    const record: QrCodeRecord = {
      id,
      type,
      status: 'PENDING',
      version: 1,
      createdAt: now,
      expiresAt,
      retainUntil: expiresAt,
      creatorSecretHash: hashSecret(creatorSecret),
      requester: {
        ip: requester.ip,
        userAgent: requester.userAgent?.slice(0, 512),
        createdAt: new Date(now).toISOString(),
        ...(this.config.appName ? { appName: this.config.appName } : {}),
      },
      ...(input.customData ? { customData: input.customData } : {}),
      ...(input.context ? { context: input.context } : {}),
    };
    const rendering: QrCodeRendering = handler
      ? await handler.render({ qrcodeId: id, expiresAt, input })
      : { payload: this.config.payload(id), url: '' };
    if (!handler) rendering.url = await renderQrDataUrl(rendering.payload, this.config.imageFormat);
    await this.storeCall(() => this.store.create(record));
    return {
      qrcodeId: id,
      url: rendering.url,
      payload: rendering.payload,
      ...(rendering.customLogoUrl ? { customLogoUrl: rendering.customLogoUrl } : {}),
      expiresIn: Math.floor((expiresAt - now) / 1000),
      creatorSecret,
    };
  }

  /**
   * The current status. The ticket is included only when `creatorSecret`
   * matches (or `bindToCreator` is off).
   */
  async getStatus(qrcodeId: string, creatorSecret?: CreatorSecrets): Promise<QrCodeStatusView> {
    const record = await this.find(qrcodeId);
    return record ? this.view(record, creatorSecret) : { qrcodeId, status: 'EXPIRED' };
  }

  /**
   * The current status, then every change, completing after a terminal status
   * (EXPIRED included, announced when the lifetime passes even if nothing
   * else happens). Errors of the store arrive as one `ERROR` status.
   */
  watch(qrcodeId: string, creatorSecret?: CreatorSecrets): Observable<QrCodeStatusView> {
    return new Observable<QrCodeStatusView>((subscriber) => {
      this.activeWatches++;
      let lastVersion = 0;
      let expiryTimer: NodeJS.Timeout | undefined;
      const emit = (view: QrCodeStatusView) => {
        if (subscriber.closed) return;
        subscriber.next(view);
        if (isTerminalStatus(view.status)) subscriber.complete();
      };
      const fail = (error: unknown) => {
        if (!(error instanceof QrLoginException)) return subscriber.error(error);
        const body = error.getResponse() as { code: string; message: string };
        emit({ qrcodeId, status: 'ERROR', code: body.code, message: body.message });
      };
      const onRecord = (record: QrCodeRecord | null) => {
        if (record === null) return emit({ qrcodeId, status: 'EXPIRED' });
        if (record.version <= lastVersion) return;
        lastVersion = record.version;
        const view = this.view(record, creatorSecret);
        emit(view);
        if (!isTerminalStatus(view.status) && expiryTimer === undefined) {
          expiryTimer = setTimeout(
            () => this.storeCall(() => this.store.get(qrcodeId)).then(checkExpiry, fail),
            Math.max(record.expiresAt - Date.now(), 0) + 5,
          );
        }
      };
      // At the expiry the record may be unchanged (same version) yet its
      // derived status is now EXPIRED, so this path bypasses the version check.
      const checkExpiry = (record: QrCodeRecord | null) => {
        if (record === null || record.version > lastVersion) return onRecord(record);
        const view = this.view(record, creatorSecret);
        if (isTerminalStatus(view.status)) emit(view);
      };
      // Subscribe to changes before reading, so nothing between the two is lost;
      // versions drop whatever arrives twice.
      const changes = this.store.watch(qrcodeId).subscribe({
        next: onRecord,
        error: (error) => fail(error instanceof QrLoginStoreUnavailableError ? qrErrors.storeUnavailable() : error),
      });
      this.storeCall(() => this.store.get(qrcodeId)).then(onRecord, fail);
      return () => {
        changes.unsubscribe();
        clearTimeout(expiryTimer);
        this.activeWatches--;
      };
    });
  }

  /** SCAN by an app user: the code becomes SCANNED and the phone learns who asked to log in. */
  async scan(qrcodeId: string, appUser: unknown): Promise<QrScanResult> {
    const userId = this.config.getUserId(appUser);
    const briefUserInfo = await this.config.getBriefUserInfo(appUser);
    const record = await this.transition(qrcodeId, 'SCAN', (current, now) => {
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
    return {
      qrcodeId,
      status: 'SCANNED',
      expiresIn: Math.max(0, Math.round((record.expiresAt - Date.now()) / 1000)),
      requester: record.requester,
    };
  }

  /** CONFIRM by the user who scanned: the code becomes AUTHORIZED and gets a single-use ticket. */
  async confirm(qrcodeId: string, appUser: unknown): Promise<QrCodeStatusView> {
    const userId = this.config.getUserId(appUser);
    const record = await this.transition(qrcodeId, 'CONFIRM', (current, now) => {
      this.assertScannedBy(current, userId, 'CONFIRM');
      const ticketExpiresAt = now + this.config.ticketTtlMs;
      current.status = 'AUTHORIZED';
      current.ticket = { value: newTicket(current.id), expiresAt: ticketExpiresAt };
      current.endedAt = now;
      current.retainUntil = Math.max(current.expiresAt, ticketExpiresAt);
      return current;
    });
    if (this.config.onAuthorized) await this.config.onAuthorized(this.contextOf(record));
    return this.view(record, undefined);
  }

  /** CANCEL by the user who scanned: the code becomes CANCELLED. */
  async cancel(qrcodeId: string, appUser: unknown): Promise<QrCodeStatusView> {
    const userId = this.config.getUserId(appUser);
    const record = await this.transition(qrcodeId, 'CANCEL', (current, now) => {
      this.assertScannedBy(current, userId, 'CANCEL');
      current.status = 'CANCELLED';
      current.endedAt = now;
      return current;
    });
    return this.view(record, undefined);
  }

  /** Runs one of the three app-side actions by name (GenAuth's `change-qrcode-status`). */
  async act(qrcodeId: string, action: QrCodeAction, appUser: unknown): Promise<QrScanResult | QrCodeStatusView> {
    switch (action) {
      case 'SCAN':
        return this.scan(qrcodeId, appUser);
      case 'CONFIRM':
        return this.confirm(qrcodeId, appUser);
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
      record = await this.transition(qrcodeId, 'REDEEM', (current, now) => {
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
      // A code the store forgot means its ticket's life is over too.
      if (error instanceof QrLoginException && (error.code === 'QR_NOT_FOUND' || error.code === 'QR_EXPIRED')) {
        throw qrErrors.ticketInvalid();
      }
      throw error;
    }
    return this.contextOf(record);
  }

  /** Loads the user for a redeemed ticket with the `loadUser` hook. */
  loadUser(context: QrLoginContext): Promise<unknown> {
    return Promise.resolve(this.config.loadUser(context.userId, context));
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
    action: QrCodeAction | 'REDEEM',
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

  private view(record: QrCodeRecord, creatorSecret: CreatorSecrets | undefined): QrCodeStatusView {
    const now = Date.now();
    const status = this.statusOf(record, now);
    const view: QrCodeStatusView = { qrcodeId: record.id, status };
    if (status === 'PENDING' || status === 'SCANNED') {
      view.expiresIn = Math.max(0, Math.round((record.expiresAt - now) / 1000));
    }
    if (record.scannedBy && (status === 'SCANNED' || status === 'AUTHORIZED')) {
      view.briefUserInfo = record.scannedBy.briefUserInfo;
    }
    const ticket = record.ticket;
    if (
      status === 'AUTHORIZED' &&
      ticket &&
      ticket.redeemedAt === undefined &&
      now < ticket.expiresAt &&
      (!this.config.bindToCreator || this.isCreator(record, creatorSecret))
    ) {
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

  private checkJsonSize(field: string, value: JsonObject | undefined): void {
    if (value === undefined) return;
    if (Buffer.byteLength(JSON.stringify(value)) > this.config.maxCustomDataBytes) {
      throw qrErrors.payloadTooLarge(field, this.config.maxCustomDataBytes);
    }
  }
}
