import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import {
  httpStatusOf,
  isQrCodeId,
  type QrCodeInfo,
  type QrCodeRendering,
  type QrCodeTypeHandler,
  QrLoginError,
  QrLoginException,
} from '../../plugin';
import type { WechatApiClient } from './wechat-api.client';
import type { WechatLoginContext } from './wechat-login.context';
import { WECHAT_NOT_CONFIRMED } from './wechat.constants';
import { wechatErrors } from './wechat.errors';
import { WechatPendingConfirmations } from './wechat-pending.confirmations';
import type { WechatMessage } from './wechat-webhook.body';
import { checkPlainSignature, checkPushTimestamp, openPush, wechatTextReply } from './wechat-push.verifier';
import { defaultWechatReplyText } from './wechat-reply.text';
import type { WechatOfficialAccountConnection, WechatReply } from './interfaces/wechat-options.interface';

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

/** Scope of the replay memory (timestamp, nonce) in the store. */
const PUSH_SCOPE = 'wechat-push';
// WeChat's upper bound for a temporary parametric code: 30 days.
const MAX_OFFICIAL_ACCOUNT_CODE_SECONDS = 2_592_000;

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

/**
 * The `WECHAT_OFFICIAL_ACCOUNT` code type: renders a temporary parametric
 * code whose scene is the code's id, and turns the account's pushes into the
 * kernel's actions: a scan asks the user to confirm by replying (see
 * `WechatPendingConfirmations`), or logs them in at once with `loginOnScan`.
 * @internal
 */
export class WechatOfficialAccountFlow {
  private readonly logger = new Logger('QrLoginWechat');
  /** Codes waiting for their user's reply. */
  readonly pending: WechatPendingConfirmations;

  constructor(
    private readonly context: WechatLoginContext,
    private readonly api: WechatApiClient,
  ) {
    this.pending = new WechatPendingConfirmations(context);
  }

  /**
   * The webhook: verifies a push (signature, timestamp window, safe mode,
   * addressee), refuses a replay on any instance (the (timestamp, nonce) is
   * remembered in the store), limits each WeChat user's rate, and handles it.
   * Every refusal is a `QrLoginException` (401/400/429) reported on `events$`
   * as `refused` with action `PUSH`, and leaves every code as it was.
   */
  async receivePush(
    connectionId: string,
    query: Record<string, unknown>,
    readBody: () => Promise<string>,
  ): Promise<WechatWebhookAnswer> {
    const { core, config } = this.context;
    const source = `wechat:${connectionId}`;
    let message: WechatMessage | undefined;
    let connection: WechatOfficialAccountConnection;
    try {
      connection = this.context.connectionFor('WECHAT_OFFICIAL_ACCOUNT', connectionId);
      checkPlainSignature(connection, query);
      checkPushTimestamp(query, core.settings.clock.now(), config.pushTimestampWindowMs);
      message = openPush(connection, query, await readBody());
      // Only authentic pushes reach the memory, so nobody else can fill it. Keyed by the token, which is
      // all the signature covers: a push logged on one connection is refused on every connection (and
      // instance) sharing that token, not only where it was first used.
      const fresh = await core.rememberOnce(
        PUSH_SCOPE,
        `${tokenKeyOf(connection.token)}:${String(query.timestamp)}:${String(query.nonce)}`,
        2 * config.pushTimestampWindowMs,
      );
      if (!fresh) throw wechatErrors.pushReplayed();
      if (message.FromUserName) await this.context.limitUser(connection, message.FromUserName);
    } catch (error) {
      const code = error instanceof QrLoginException || error instanceof QrLoginError ? error.code : undefined;
      if (code)
        core.report({ type: 'refused', action: 'PUSH', code, source, qrcodeId: message ? sceneOf(message) : '' });
      throw error;
    }
    core.report({ type: 'accepted', action: 'PUSH', source, qrcodeId: sceneOf(message) });
    const result = await this.handleMessage(connection.id, message);
    if (!result.replyText) return { body: 'success', contentType: 'text/plain; charset=utf-8' };
    return {
      body: wechatTextReply(connection, message, result.replyText, core.settings.clock.now()),
      contentType: 'application/xml; charset=utf-8',
    };
  }

  /** A message already verified and decrypted: a scan through one of our codes, a reply to a pending one, or not ours. */
  async handleMessage(connectionId: string, message: WechatMessage): Promise<WechatPushResult> {
    const connection = this.context.connectionFor('WECHAT_OFFICIAL_ACCOUNT', connectionId);
    if (!message.FromUserName) return { outcome: 'IGNORED' };
    if (message.MsgType === 'event') return this.scan(connection, message);
    if (message.MsgType === 'text' && !connection.loginOnScan) return this.reply(connection, message);
    return { outcome: 'IGNORED' };
  }

  /** Renders the temporary parametric code, as long-lived as the code (within WeChat's 30 days). */
  readonly handler: QrCodeTypeHandler = {
    type: 'WECHAT_OFFICIAL_ACCOUNT',
    render: async ({ qrcodeId, expiresAt, input }): Promise<QrCodeRendering> => {
      const connection = this.context.connectionFor('WECHAT_OFFICIAL_ACCOUNT', input.extIdpConnId);
      const seconds = Math.min(
        MAX_OFFICIAL_ACCOUNT_CODE_SECONDS,
        Math.max(1, Math.ceil((expiresAt - this.context.core.settings.clock.now()) / 1000)),
      );
      const code = await this.api.createTemporaryQrCode(connection, qrcodeId, seconds);
      const url = `${this.context.config.showQrCodeUrl}?ticket=${encodeURIComponent(code.ticket)}`;
      return { connection: connection.id, url, payload: code.url || url };
    },
  };

  private async scan(connection: WechatOfficialAccountConnection, message: WechatMessage): Promise<WechatPushResult> {
    const { core, config } = this.context;
    const scene = sceneOf(message);
    // Scenes of the account's other codes (campaigns, menus) are not ours.
    if (!isQrCodeId(scene)) return { outcome: 'IGNORED' };
    const record = await this.context.liveCode(scene);
    if (!record || record.type !== 'WECHAT_OFFICIAL_ACCOUNT') return { outcome: 'IGNORED' };
    if (record.binding.connection !== undefined && record.binding.connection !== connection.id) {
      core.report({
        type: 'refused',
        action: 'PUSH',
        code: wechatErrors.connectionMismatchCode,
        source: `wechat:${connection.id}`,
        qrcodeId: scene,
      });
      return { outcome: 'IGNORED' };
    }
    const openid = message.FromUserName!;
    const appUser = await this.context.appUserOf(connection, { openid }, record);
    if (appUser === undefined) {
      this.logger.log(
        `findOrCreateUser refused a WeChat user of connection "${connection.id}"; the code stays as it was.`,
      );
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
      const deadline = Math.min(record.expiresAt, now + config.confirmationTimeoutMs);
      if (!(await this.pending.remember(connection, openid, scene, deadline))) {
        await core.refuse(scene, WECHAT_NOT_CONFIRMED);
        return {
          outcome: 'CANCELLED',
          qrcodeId: scene,
          replyText: this.text({ kind: 'cancelled', ...this.site(record) }),
        };
      }
      this.pending.arm(scene, deadline - now);
      const requester = scanned.requester;
      const prompt: WechatReply = {
        kind: 'prompt',
        ...this.site(record),
        ...(nameOf(requester.browser) ? { browser: nameOf(requester.browser) } : {}),
        ...(nameOf(requester.os) ? { os: nameOf(requester.os) } : {}),
        ...(requester.place?.country ? { country: requester.place.country } : {}),
        ...(requester.place?.city ? { city: requester.place.city } : {}),
        ...(requester.ip ? { ip: requester.ip } : {}),
        answer: core.settings.numberMatching ? 'number' : 'keyword',
        keyword: config.confirmKeyword,
        expiresIn: (deadline - now) / 1000,
      };
      return { outcome: 'SCANNED', qrcodeId: scene, replyText: this.text(prompt) };
    } catch (error) {
      // A refusal (expired, scanned by someone else, a repeated push after
      // success) is not WeChat's concern; it still gets its "success".
      if (error instanceof QrLoginError && httpStatusOf(error.code) < 500)
        return { outcome: 'IGNORED', qrcodeId: scene };
      throw error;
    }
  }

  private async reply(connection: WechatOfficialAccountConnection, message: WechatMessage): Promise<WechatPushResult> {
    const { core, config } = this.context;
    const openid = message.FromUserName!;
    const pending = await this.pending.latest(connection, openid);
    // Not a login reply: the account's other messages are the app's business.
    if (!pending) return { outcome: 'IGNORED' };
    const id = pending.qrcodeId;
    const site = this.site(pending);
    const appUser = await this.context.appUserOf(connection, { openid }, pending);
    if (appUser === undefined) return { outcome: 'IGNORED' };
    const now = core.settings.clock.now();
    const cancelled = async (kind: 'cancelled' | 'expired'): Promise<WechatPushResult> => {
      await core.refuse(id, WECHAT_NOT_CONFIRMED);
      this.pending.disarm(id);
      return { outcome: 'CANCELLED', qrcodeId: id, replyText: this.text({ kind, ...site }) };
    };
    if (now >= Math.min(pending.expiresAt, (pending.scannedAt ?? now) + config.confirmationTimeoutMs))
      return cancelled('expired');
    const answer = (message.Content ?? '').trim();
    const numbers = core.settings.numberMatching;
    const confirming = numbers
      ? /^\d{1,6}$/.test(answer)
      : answer.toLowerCase() === config.confirmKeyword.toLowerCase();
    if (!confirming) return cancelled('cancelled');
    try {
      await core.confirm(id, appUser, numbers ? { matchCode: answer } : {});
    } catch (error) {
      if (!(error instanceof QrLoginError) || httpStatusOf(error.code) >= 500) throw error;
      this.pending.disarm(id);
      // A wrong number cancelled the code already; any other refusal means it ended meanwhile.
      return {
        outcome: 'CANCELLED',
        qrcodeId: id,
        replyText: this.text({ kind: error.code === 'QR_MATCH_FAILED' ? 'cancelled' : 'expired', ...site }),
      };
    }
    this.pending.disarm(id);
    return { outcome: 'AUTHORIZED', qrcodeId: id, replyText: this.text({ kind: 'confirmed', ...site }) };
  }

  private site(record: QrCodeInfo): { appName?: string } {
    return record.requester.appName ? { appName: record.requester.appName } : {};
  }

  private text(reply: WechatReply): string {
    return (this.context.config.replyText ?? defaultWechatReplyText)(reply);
  }
}

/** A token's name in the replay memory: a digest, so the store never holds the token itself. */
function tokenKeyOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
