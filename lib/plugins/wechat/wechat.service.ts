import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { QrLoginError } from '../../kernel/qr-login.errors';
import { isQrCodeId } from '../../kernel/qr-login.ids';
import { QrLoginService } from '../../kernel/qr-login.service';
import { httpStatusOf, QrLoginException } from '../../http/qr-login.exception';
import { QrLoginHttpService } from '../../http/qr-login-http.service';
import type { QrCodeAction } from '../../kernel/interfaces/qr-code.interface';
import type { QrCodeRendering, QrCodeTypeHandler } from '../../kernel/interfaces/qr-code-type-handler.interface';
import type { QrCodeInfo, QrCodeStatusView, QrScanResult } from '../../kernel/interfaces/qr-login-views.interface';
import { imageTypeOf, WechatApiClient, type WechatSession } from './wechat-api.client';
import { QR_LOGIN_WECHAT_CONFIG } from './wechat.constants';
import type { ResolvedQrLoginWechatConfig, ResolvedWechatConnection } from './wechat.config';
import { QrLoginWechatConfigError, wechatErrors } from './wechat.errors';
import { WechatLogoMerger } from './wechat-logo.merger';
import { registerXmlContentParser, type WechatMessage } from './wechat-webhook.body';
import { checkPlainSignature, checkPushTimestamp, openPush, wechatTextReply } from './wechat-push.verifier';
import { defaultWechatReplyText } from './wechat-reply.text';
import type {
  WechatConnection,
  WechatMiniProgramConnection,
  WechatOfficialAccountConnection,
  WechatQrCodeType,
  WechatReply,
} from './interfaces/wechat-options.interface';

/** Body of the mini program's scan / confirm / cancel calls. */
export interface WechatMiniProgramActionInput {
  /** The code's id, which the mini-program page got as `options.scene`. */
  qrcodeId: string;
  /** A fresh `wx.login()` code; each works once. */
  code: string;
  /** Which mini-program connection the page belongs to. Default: the first enabled one. */
  connectionId?: string;
  /** CONFIRM with the core's number matching on: the number the user picked. */
  matchCode?: string;
}

/** What became of an official-account push. */
export type WechatPushOutcome =
  /** The push carried one of our codes and its user is now logged in on the web page. */
  | 'AUTHORIZED'
  /** A scan: the code is SCANNED and the user was asked to confirm by replying. */
  | 'SCANNED'
  /** The user's reply was not the confirmation (or came too late): the code is CANCELLED. */
  | 'CANCELLED'
  /** Not a login push (another event, another scene), or a login that cannot proceed (expired code, refused user). */
  | 'IGNORED';

/** An official-account push handled: its outcome, and the text to reply to the user, if any. */
export interface WechatPushResult {
  outcome: WechatPushOutcome;
  qrcodeId?: string;
  /** The passive reply's text (the caller wraps it as WeChat's XML, encrypted in safe mode). */
  replyText?: string;
}

/** What the webhook answers WeChat: `success`, or a passive reply (XML). */
export interface WechatWebhookAnswer {
  body: string;
  contentType: string;
}

/** Scope of the replay memory (timestamp, nonce) and of the pending-confirmation aliases in the store. */
const PUSH_SCOPE = 'wechat-push';
const PENDING_SCOPE = 'wechat-pending';
/**
 * Aliases a WeChat user's pending confirmations through a few slots: a store
 * alias cannot be re-pointed before it expires, so each scan takes a free one
 * and a reply looks at all of them. Bounds one user's scans per code lifetime.
 */
const PENDING_SLOTS = 4;
/** Site-side cancel reasons the page sees as `cancelReason`. */
export const WECHAT_NOT_CONFIRMED = 'WECHAT_NOT_CONFIRMED';
export const WECHAT_SUPERSEDED = 'WECHAT_SUPERSEDED';

/** "Chrome 120" from a parsed user-agent part. */
function nameOf(part: { name?: string; version?: string } | undefined): string | undefined {
  if (!part?.name) return undefined;
  const major = part.version?.split('.')[0];
  return major ? `${part.name} ${major}` : part.name;
}

/** The code id a SCAN / subscribe push names ('' for other messages). */
function sceneOf(message: WechatMessage): string {
  if (message.MsgType !== 'event') return '';
  const key = message.EventKey ?? '';
  if (message.Event === 'subscribe' && key.startsWith('qrscene_')) return key.slice('qrscene_'.length);
  return message.Event === 'SCAN' ? key : '';
}

// WeChat's upper bound for a temporary parametric code: 30 days.
const MAX_OFFICIAL_ACCOUNT_CODE_SECONDS = 2_592_000;

/**
 * WeChat sign-in for the QR login: serves the `WECHAT_MINIPROGRAM` and
 * `WECHAT_OFFICIAL_ACCOUNT` code types through `QrLoginService`, and turns the
 * mini program's calls and the official account's pushes into its scan /
 * confirm / cancel. Apps that already own their official account's webhook
 * can pass its messages to `handleOfficialAccountMessage`.
 */
@Injectable()
export class QrLoginWechatService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('QrLoginWechat');
  /** Confirmation deadlines armed by this process (kernel clock timers), by code id. */
  private readonly deadlines = new Map<string, unknown>();

  constructor(
    @Inject(QR_LOGIN_WECHAT_CONFIG) private readonly config: ResolvedQrLoginWechatConfig,
    private readonly api: WechatApiClient,
    private readonly merger: WechatLogoMerger,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() private readonly core?: QrLoginService,
    @Optional() private readonly http?: QrLoginHttpService,
  ) {}

  /** The kernel's clock reading (ms since the epoch), which every WeChat time window uses. */
  now(): number {
    return this.requireCore().settings.clock.now();
  }

  onModuleDestroy(): void {
    const clock = this.core?.settings.clock;
    for (const timer of this.deadlines.values()) clock?.clearTimeout(timer);
    this.deadlines.clear();
  }

  /** Checks that the kernel is there and agrees with this module, and registers the code types. */
  onModuleInit(): void {
    if (!this.core) {
      throw new QrLoginWechatConfigError(
        'QrLoginModule was not found. Import QrLoginModule.forRoot(...) in the application as well; QrLoginWechatModule adds the WeChat code types to it.',
      );
    }
    const coreConfig = this.core.settings;
    if (!this.config.routePrefixGiven && coreConfig.routePrefix !== this.config.routePrefix) {
      throw new QrLoginWechatConfigError(
        `QrLoginModule's routes are under "/${coreConfig.routePrefix}" but the WeChat routes would be under "/${this.config.routePrefix}"; pass routePrefix: "${coreConfig.routePrefix}" to QrLoginWechatModule.forRoot() (or another prefix on purpose).`,
      );
    }
    const types = new Set(this.config.connections.map((c) => c.type));
    // Logging in on scan leaves no step in which the user could send the number.
    const onScan = this.config.connections.find((c) => c.type === 'WECHAT_OFFICIAL_ACCOUNT' && c.loginOnScan);
    if (onScan && coreConfig.numberMatching) {
      throw new QrLoginWechatConfigError(
        `QrLoginModule has numberMatching on, which connection "${onScan.id}" with loginOnScan cannot satisfy (the user only scans). Leave loginOnScan off (the user then confirms by replying with the number), or turn numberMatching off.`,
      );
    }
    for (const c of this.config.connections) {
      if (c.type === 'WECHAT_OFFICIAL_ACCOUNT' && c.enabled && !c.encodingAESKey) {
        this.logger.warn(
          `Official-account connection "${c.id}" is in plain mode: WeChat's plain signature does not cover the push body. Set "encodingAESKey" and "originalId" (safe mode) in production.`,
        );
      }
    }
    if (types.has('WECHAT_MINIPROGRAM')) this.core.registerTypeHandler(this.miniProgramHandler);
    if (types.has('WECHAT_OFFICIAL_ACCOUNT')) {
      this.core.registerTypeHandler(this.officialAccountHandler);
      registerXmlContentParser(this.adapterHost?.httpAdapter, this.config.maxWebhookBodyBytes);
    }
  }

  /** The connection named `id` (any enabled one of `type` when `id` is absent); 400 when there is none. */
  connectionFor(type: 'WECHAT_MINIPROGRAM', id?: string): WechatMiniProgramConnection;
  connectionFor(type: 'WECHAT_OFFICIAL_ACCOUNT', id?: string): WechatOfficialAccountConnection;
  connectionFor(type: WechatQrCodeType, id?: string): WechatConnection {
    const found = this.config.connections.find(
      (c: ResolvedWechatConnection) => c.type === type && c.enabled && (id === undefined || c.id === id),
    );
    if (!found) throw wechatErrors.connectionNotFound(type, id);
    return found;
  }

  /**
   * The mini program's SCAN / CONFIRM / CANCEL: resolves the `wx.login` code
   * to the WeChat user, maps them with `findOrCreateUser`, and acts as that
   * app user. Answers what the core's routes answer.
   */
  async miniProgramAction(action: QrCodeAction, input: WechatMiniProgramActionInput): Promise<QrScanResult | QrCodeStatusView> {
    const core = this.requireCore();
    // Checked before the login code is spent, so a wrong or stale code costs the user nothing.
    const record = await core.inspect(input.qrcodeId);
    if (record.type !== 'WECHAT_MINIPROGRAM') throw wechatErrors.wrongType(record.type, 'WECHAT_MINIPROGRAM');
    // The connection that made the code is on its record; a page of another mini program may not act on it.
    const made = record.binding.connection;
    if (input.connectionId !== undefined && made !== undefined && input.connectionId !== made) throw wechatErrors.connectionMismatch(made);
    const connection = this.connectionFor('WECHAT_MINIPROGRAM', input.connectionId ?? made);
    const session = await this.api.code2Session(connection, input.code);
    await this.http?.limit('appAction', `wechat:${connection.id}:${session.openid}`);
    const appUser = await this.appUserOf(connection, session, record);
    if (appUser === null || appUser === undefined || appUser === false) throw wechatErrors.userRefused();
    return core.act(input.qrcodeId, action, appUser, input.matchCode === undefined ? {} : { matchCode: input.matchCode });
  }

  /**
   * The official account's webhook: verifies a push (signature, timestamp
   * window, safe mode, addressee), refuses a replay on any instance (the
   * (timestamp, nonce) is remembered in the store), limits each WeChat user's
   * rate, and handles it. Every refusal is a `QrLoginException` (401/400/429)
   * reported on `events$` as `refused` with action `PUSH`, and leaves every code as it was.
   */
  async receiveOfficialAccountPush(
    connectionId: string,
    query: Record<string, unknown>,
    readBody: () => Promise<string>,
  ): Promise<WechatWebhookAnswer> {
    const core = this.requireCore();
    const source = `wechat:${connectionId}`;
    let message: WechatMessage | undefined;
    let connection: WechatOfficialAccountConnection;
    try {
      connection = this.connectionFor('WECHAT_OFFICIAL_ACCOUNT', connectionId);
      checkPlainSignature(connection, query);
      checkPushTimestamp(query, core.settings.clock.now(), this.config.pushTimestampWindowMs);
      message = openPush(connection, query, await readBody());
      // Only authentic pushes reach the memory, so nobody else can fill it.
      const fresh = await core.rememberOnce(
        PUSH_SCOPE,
        `${connection.id}:${String(query.timestamp)}:${String(query.nonce)}`,
        2 * this.config.pushTimestampWindowMs,
      );
      if (!fresh) throw wechatErrors.pushReplayed();
      if (message.FromUserName) await this.http?.limit('appAction', `wechat:${connection.id}:${message.FromUserName}`);
    } catch (error) {
      const code = error instanceof QrLoginException || error instanceof QrLoginError ? error.code : undefined;
      if (code) core.report({ type: 'refused', action: 'PUSH', code, source, qrcodeId: message ? sceneOf(message) : '' });
      throw error;
    }
    core.report({ type: 'accepted', action: 'PUSH', source, qrcodeId: sceneOf(message) });
    const result = await this.handleOfficialAccountMessage(connection.id, message);
    if (!result.replyText) return { body: 'success', contentType: 'text/plain; charset=utf-8' };
    return { body: wechatTextReply(connection, message, result.replyText, core.settings.clock.now()), contentType: 'application/xml; charset=utf-8' };
  }

  /**
   * An official-account message, already verified and decrypted. A `SCAN` of
   * one of our codes, or a `subscribe` through one (`EventKey` `qrscene_<id>`),
   * scans it as the app user `findOrCreateUser` gives for the sender's openid
   * and asks them to confirm by replying (or, with the connection's
   * `loginOnScan`, confirms at once). A text message from a user with a
   * pending confirmation confirms or cancels it. Everything else is left alone.
   */
  async handleOfficialAccountMessage(connectionId: string, message: WechatMessage): Promise<WechatPushResult> {
    const connection = this.connectionFor('WECHAT_OFFICIAL_ACCOUNT', connectionId);
    if (!message.FromUserName) return { outcome: 'IGNORED' };
    if (message.MsgType === 'event') return this.officialAccountScan(connection, message);
    if (message.MsgType === 'text' && !connection.loginOnScan) return this.officialAccountReply(connection, message);
    return { outcome: 'IGNORED' };
  }

  private async officialAccountScan(connection: WechatOfficialAccountConnection, message: WechatMessage): Promise<WechatPushResult> {
    const core = this.requireCore();
    const scene = sceneOf(message);
    // Scenes of the account's other codes (campaigns, menus) are not ours.
    if (!isQrCodeId(scene)) return { outcome: 'IGNORED' };
    const record = await this.liveCode(scene);
    if (!record || record.type !== 'WECHAT_OFFICIAL_ACCOUNT') return { outcome: 'IGNORED' };
    if (record.binding.connection !== undefined && record.binding.connection !== connection.id) {
      core.report({ type: 'refused', action: 'PUSH', code: wechatErrors.connectionMismatchCode, source: `wechat:${connection.id}`, qrcodeId: scene });
      return { outcome: 'IGNORED' };
    }
    const openid = message.FromUserName!;
    const appUser = await this.appUserOf(connection, { openid }, record);
    if (appUser === null || appUser === undefined || appUser === false) {
      this.logger.log(`findOrCreateUser refused a WeChat user of connection "${connection.id}"; the code stays as it was.`);
      return { outcome: 'IGNORED' };
    }
    try {
      if (connection.loginOnScan) {
        await core.scan(scene, appUser);
        await core.confirm(scene, appUser);
        return { outcome: 'AUTHORIZED', qrcodeId: scene };
      }
      const scanned = await core.scan(scene, appUser);
      const now = core.settings.clock.now();
      const deadline = Math.min(record.expiresAt, now + this.config.confirmationTimeoutMs);
      if (!(await this.rememberPending(connection, openid, scene, deadline))) {
        await core.refuse(scene, WECHAT_NOT_CONFIRMED);
        return { outcome: 'CANCELLED', qrcodeId: scene, replyText: this.text({ kind: 'cancelled', ...this.site(record) }) };
      }
      this.armDeadline(scene, deadline - now);
      const requester = scanned.requester;
      const numbers = core.settings.numberMatching;
      const prompt: WechatReply = {
        kind: 'prompt',
        ...this.site(record),
        ...(nameOf(requester.browser) ? { browser: nameOf(requester.browser) } : {}),
        ...(nameOf(requester.os) ? { os: nameOf(requester.os) } : {}),
        ...(requester.place?.country ? { country: requester.place.country } : {}),
        ...(requester.place?.city ? { city: requester.place.city } : {}),
        ...(requester.ip ? { ip: requester.ip } : {}),
        answer: numbers ? 'number' : 'keyword',
        keyword: this.config.confirmKeyword,
        expiresIn: (deadline - now) / 1000,
      };
      return { outcome: 'SCANNED', qrcodeId: scene, replyText: this.text(prompt) };
    } catch (error) {
      // A refusal (expired, scanned by someone else, a repeated push after
      // success) is not WeChat's concern; it still gets its "success".
      if (error instanceof QrLoginError && httpStatusOf(error.code) < 500) return { outcome: 'IGNORED', qrcodeId: scene };
      throw error;
    }
  }

  private async officialAccountReply(connection: WechatOfficialAccountConnection, message: WechatMessage): Promise<WechatPushResult> {
    const core = this.requireCore();
    const openid = message.FromUserName!;
    const pending = await this.pendingOf(connection, openid);
    // Not a login reply: the account's other messages are the app's business.
    if (!pending) return { outcome: 'IGNORED' };
    const id = pending.qrcodeId;
    const site = this.site(pending);
    const appUser = await this.appUserOf(connection, { openid }, pending);
    if (appUser === null || appUser === undefined || appUser === false) return { outcome: 'IGNORED' };
    const now = core.settings.clock.now();
    const cancelled = async (kind: 'cancelled' | 'expired'): Promise<WechatPushResult> => {
      await core.refuse(id, WECHAT_NOT_CONFIRMED);
      this.disarmDeadline(id);
      return { outcome: 'CANCELLED', qrcodeId: id, replyText: this.text({ kind, ...site }) };
    };
    if (now >= Math.min(pending.expiresAt, (pending.scannedAt ?? now) + this.config.confirmationTimeoutMs)) return cancelled('expired');
    const answer = (message.Content ?? '').trim();
    const numbers = core.settings.numberMatching;
    const confirming = numbers ? /^\d{1,6}$/.test(answer) : answer.toLowerCase() === this.config.confirmKeyword.toLowerCase();
    if (!confirming) return cancelled('cancelled');
    try {
      await core.confirm(id, appUser, numbers ? { matchCode: answer } : {});
    } catch (error) {
      if (!(error instanceof QrLoginError) || httpStatusOf(error.code) >= 500) throw error;
      this.disarmDeadline(id);
      // A wrong number cancelled the code already; any other refusal means it ended meanwhile.
      return { outcome: 'CANCELLED', qrcodeId: id, replyText: this.text({ kind: error.code === 'QR_MATCH_FAILED' ? 'cancelled' : 'expired', ...site }) };
    }
    this.disarmDeadline(id);
    return { outcome: 'AUTHORIZED', qrcodeId: id, replyText: this.text({ kind: 'confirmed', ...site }) };
  }

  /**
   * Points one of the user's pending slots at the code until `deadline`,
   * first cancelling any earlier code still waiting for this user's reply (a
   * reply must confirm the code the user scanned last). False when every slot is taken.
   */
  private async rememberPending(connection: WechatOfficialAccountConnection, openid: string, qrcodeId: string, deadline: number): Promise<boolean> {
    const core = this.requireCore();
    for (const older of await this.pendingCodes(connection, openid)) {
      if (older.qrcodeId === qrcodeId) continue;
      await core.refuse(older.qrcodeId, WECHAT_SUPERSEDED);
      this.disarmDeadline(older.qrcodeId);
    }
    for (let slot = 0; slot < PENDING_SLOTS; slot++) {
      if (await core.setAlias(PENDING_SCOPE, `${connection.id}:${openid}:${slot}`, qrcodeId, deadline)) return true;
    }
    return false;
  }

  /** The code waiting for this user's reply (the one scanned last), if any. */
  private async pendingOf(connection: WechatOfficialAccountConnection, openid: string): Promise<QrCodeInfo | null> {
    const codes = await this.pendingCodes(connection, openid);
    return codes.sort((a, b) => (b.scannedAt ?? 0) - (a.scannedAt ?? 0))[0] ?? null;
  }

  private async pendingCodes(connection: WechatOfficialAccountConnection, openid: string): Promise<QrCodeInfo[]> {
    const core = this.requireCore();
    const ids = await Promise.all(
      Array.from({ length: PENDING_SLOTS }, (_, slot) => core.resolveAlias(PENDING_SCOPE, `${connection.id}:${openid}:${slot}`)),
    );
    const unique = [...new Set(ids.filter((id): id is string => id !== null))];
    const codes = await Promise.all(unique.map((id) => this.liveCode(id)));
    return codes.filter(
      (code): code is QrCodeInfo => code !== null && code.status === 'SCANNED' && code.binding.connection === connection.id,
    );
  }

  /** Cancels the code at its confirmation deadline if it is still waiting (kernel clock; this process only, expiry covers the rest). */
  private armDeadline(qrcodeId: string, inMs: number): void {
    const clock = this.requireCore().settings.clock;
    this.disarmDeadline(qrcodeId);
    const timer = clock.setTimeout(() => {
      this.deadlines.delete(qrcodeId);
      void this.liveCode(qrcodeId)
        .then((code) => (code?.status === 'SCANNED' ? this.requireCore().refuse(qrcodeId, WECHAT_NOT_CONFIRMED) : undefined))
        .catch((error) => this.logger.warn(`Could not cancel unconfirmed code ${qrcodeId}: ${String((error as Error)?.message ?? error)}`));
    }, Math.max(0, inMs));
    this.deadlines.set(qrcodeId, timer);
  }

  private disarmDeadline(qrcodeId: string): void {
    const timer = this.deadlines.get(qrcodeId);
    if (timer === undefined) return;
    this.requireCore().settings.clock.clearTimeout(timer);
    this.deadlines.delete(qrcodeId);
  }

  private site(record: QrCodeInfo): { appName?: string } {
    return record.requester.appName ? { appName: record.requester.appName } : {};
  }

  private text(reply: WechatReply): string {
    return (this.config.replyText ?? defaultWechatReplyText)(reply);
  }

  private readonly miniProgramHandler: QrCodeTypeHandler = {
    type: 'WECHAT_MINIPROGRAM',
    render: async ({ qrcodeId, input }): Promise<QrCodeRendering> => {
      const connection = this.connectionFor('WECHAT_MINIPROGRAM', input.extIdpConnId);
      // The id is 27 base64url characters: within WeChat's 32-character scene, all allowed characters.
      let image = await this.api.getUnlimitedWxacode(connection, qrcodeId);
      const merge = input.autoMergeQrCode === true && connection.logoUrl !== undefined;
      if (merge) image = await this.merger.merge(connection, image);
      return {
        connection: connection.id,
        url: `data:${imageTypeOf(image) ?? 'image/png'};base64,${image.toString('base64')}`,
        // A mini-program code holds no readable text; what the page gets is the scene.
        payload: qrcodeId,
        ...(!merge && connection.logoUrl ? { customLogoUrl: connection.logoUrl } : {}),
      };
    },
  };

  private readonly officialAccountHandler: QrCodeTypeHandler = {
    type: 'WECHAT_OFFICIAL_ACCOUNT',
    render: async ({ qrcodeId, expiresAt, input }): Promise<QrCodeRendering> => {
      const connection = this.connectionFor('WECHAT_OFFICIAL_ACCOUNT', input.extIdpConnId);
      const seconds = Math.min(MAX_OFFICIAL_ACCOUNT_CODE_SECONDS, Math.max(1, Math.ceil((expiresAt - Date.now()) / 1000)));
      const code = await this.api.createTemporaryQrCode(connection, qrcodeId, seconds);
      const url = `${this.config.showQrCodeUrl}?ticket=${encodeURIComponent(code.ticket)}`;
      return { connection: connection.id, url, payload: code.url || url };
    },
  };

  private async appUserOf(connection: WechatConnection, session: WechatSession, record: QrCodeInfo): Promise<unknown> {
    return this.config.findOrCreateUser({
      openid: session.openid,
      ...(session.unionid ? { unionid: session.unionid } : {}),
      connectionId: connection.id,
      connectionType: connection.type,
      appId: connection.appId,
      qrcodeId: record.qrcodeId,
      ...(record.context ? { context: record.context } : {}),
      ...(record.customData ? { customData: record.customData } : {}),
    });
  }

  /** A live code of ours, or null when it is unknown, expired or forgotten (a push about it is not ours to act on). */
  private async liveCode(qrcodeId: string): Promise<QrCodeInfo | null> {
    try {
      return await this.requireCore().inspect(qrcodeId);
    } catch (error) {
      if (error instanceof QrLoginError && (error.code === 'QR_NOT_FOUND' || error.code === 'QR_EXPIRED')) return null;
      throw error;
    }
  }

  private requireCore(): QrLoginService {
    if (!this.core) {
      throw new Error('QrLoginWechatService is not initialized yet; call it after the application has started (after onModuleInit).');
    }
    return this.core;
  }
}
