import { Inject, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { QrLoginError } from '../../kernel/qr-login.errors';
import { isQrCodeId } from '../../kernel/qr-login.ids';
import { QrLoginService } from '../../kernel/qr-login.service';
import { httpStatusOf } from '../../http/qr-login.exception';
import type { QrCodeAction } from '../../kernel/interfaces/qr-code.interface';
import type { QrCodeRendering, QrCodeTypeHandler } from '../../kernel/interfaces/qr-code-type-handler.interface';
import type { QrCodeInfo, QrCodeStatusView, QrScanResult } from '../../kernel/interfaces/qr-login-views.interface';
import { imageTypeOf, WechatApiClient, type WechatSession } from './wechat-api.client';
import { QR_LOGIN_WECHAT_CONFIG } from './wechat.constants';
import type { ResolvedQrLoginWechatConfig, ResolvedWechatConnection } from './wechat.config';
import { QrLoginWechatConfigError, wechatErrors } from './wechat.errors';
import { WechatLogoMerger } from './wechat-logo.merger';
import { registerXmlContentParser, type WechatMessage } from './wechat-webhook.body';
import type {
  WechatConnection,
  WechatMiniProgramConnection,
  WechatOfficialAccountConnection,
  WechatQrCodeType,
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
  /** Not a login push (another event, another scene), or a login that cannot proceed (expired code, refused user). */
  | 'IGNORED';

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
export class QrLoginWechatService implements OnModuleInit {
  private readonly logger = new Logger('QrLoginWechat');

  constructor(
    @Inject(QR_LOGIN_WECHAT_CONFIG) private readonly config: ResolvedQrLoginWechatConfig,
    private readonly api: WechatApiClient,
    private readonly merger: WechatLogoMerger,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() private readonly core?: QrLoginService,
  ) {}

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
    // An official-account user only scans; there is no screen on which to pick the number.
    if (types.has('WECHAT_OFFICIAL_ACCOUNT') && coreConfig.numberMatching) {
      throw new QrLoginWechatConfigError(
        'QrLoginModule has numberMatching on, which official-account codes cannot satisfy (the user only scans, and WeChat shows no choices). Turn numberMatching off, or configure only WECHAT_MINIPROGRAM connections (the mini program can show the choices and send matchCode on confirm).',
      );
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
    const connection = this.connectionFor('WECHAT_MINIPROGRAM', input.connectionId);
    // Checked before the login code is spent, so a wrong or stale code costs the user nothing.
    const record = await core.inspect(input.qrcodeId);
    if (record.type !== 'WECHAT_MINIPROGRAM') throw wechatErrors.wrongType(record.type, 'WECHAT_MINIPROGRAM');
    const session = await this.api.code2Session(connection, input.code);
    const appUser = await this.appUserOf(connection, session, record);
    if (appUser === null || appUser === undefined || appUser === false) throw wechatErrors.userRefused();
    return core.act(input.qrcodeId, action, appUser, input.matchCode === undefined ? {} : { matchCode: input.matchCode });
  }

  /**
   * An official-account push, already verified and decrypted: a `SCAN` of one
   * of our codes, or a `subscribe` through one (`EventKey` `qrscene_<id>`),
   * logs its user in: SCAN then CONFIRM as the app user `findOrCreateUser`
   * gives for the sender's openid. Everything else is left alone.
   */
  async handleOfficialAccountMessage(connectionId: string, message: WechatMessage): Promise<WechatPushOutcome> {
    const core = this.requireCore();
    const connection = this.connectionFor('WECHAT_OFFICIAL_ACCOUNT', connectionId);
    if (message.MsgType !== 'event') return 'IGNORED';
    const key = message.EventKey ?? '';
    const scene =
      message.Event === 'subscribe' && key.startsWith('qrscene_') ? key.slice('qrscene_'.length) : message.Event === 'SCAN' ? key : '';
    // Scenes of the account's other codes (campaigns, menus) are not ours.
    if (!isQrCodeId(scene) || !message.FromUserName) return 'IGNORED';
    const record = await this.liveCode(scene);
    if (!record || record.type !== 'WECHAT_OFFICIAL_ACCOUNT') return 'IGNORED';
    const appUser = await this.appUserOf(connection, { openid: message.FromUserName }, record);
    if (appUser === null || appUser === undefined || appUser === false) {
      this.logger.log(`findOrCreateUser refused a WeChat user of connection "${connection.id}"; the code stays as it was.`);
      return 'IGNORED';
    }
    try {
      await core.scan(scene, appUser);
      await core.confirm(scene, appUser);
      return 'AUTHORIZED';
    } catch (error) {
      // A refusal (expired, scanned by someone else, a repeated push after
      // success) is not WeChat's concern; it still gets its "success".
      if (error instanceof QrLoginError && httpStatusOf(error.code) < 500) return 'IGNORED';
      throw error;
    }
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
