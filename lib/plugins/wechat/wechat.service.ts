import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  type QrCodeAction,
  type QrCodeStatusView,
  QrLoginHttpService,
  QrLoginService,
  type QrScanResult,
} from '../../plugin';
import { WechatApiClient } from './wechat-api.client';
import { QR_LOGIN_WECHAT_CONFIG } from './wechat.constants';
import type { ResolvedQrLoginWechatConfig } from './wechat.config';
import { QrLoginWechatConfigError } from './wechat.errors';
import { WechatLoginContext } from './wechat-login.context';
import { WechatLogoMerger } from './wechat-logo.merger';
import { WechatMiniProgramFlow, type WechatMiniProgramActionInput } from './wechat-miniprogram.flow';
import {
  WechatOfficialAccountFlow,
  type WechatPushResult,
  type WechatWebhookAnswer,
} from './wechat-official-account.flow';
import { registerXmlContentParser, type WechatMessage } from './wechat-webhook.body';
import type {
  WechatConnection,
  WechatMiniProgramConnection,
  WechatOfficialAccountConnection,
  WechatQrCodeType,
} from './interfaces/wechat-options.interface';

/**
 * WeChat sign-in for the QR login: serves the `WECHAT_MINIPROGRAM` and
 * `WECHAT_OFFICIAL_ACCOUNT` code types through `QrLoginService`, and turns the
 * mini program's calls and the official account's pushes into its scan /
 * confirm / cancel. Apps that already own their official account's webhook
 * can pass its messages to `handleOfficialAccountMessage`.
 *
 * The flows themselves live in `WechatMiniProgramFlow` and
 * `WechatOfficialAccountFlow`; this service checks the set-up at start-up
 * and is the one entry point the routes and the app use.
 */
@Injectable()
export class QrLoginWechatService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('QrLoginWechat');
  private readonly context: WechatLoginContext;
  private readonly miniProgram: WechatMiniProgramFlow;
  private readonly officialAccount: WechatOfficialAccountFlow;

  constructor(
    @Inject(QR_LOGIN_WECHAT_CONFIG) private readonly config: ResolvedQrLoginWechatConfig,
    private readonly api: WechatApiClient,
    merger: WechatLogoMerger,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() core?: QrLoginService,
    @Optional() http?: QrLoginHttpService,
  ) {
    this.context = new WechatLoginContext(config, core, http);
    this.miniProgram = new WechatMiniProgramFlow(this.context, api, merger);
    this.officialAccount = new WechatOfficialAccountFlow(this.context, api);
  }

  /** The kernel's clock reading (ms since the epoch), which every WeChat time window uses. */
  now(): number {
    return this.context.core.settings.clock.now();
  }

  onModuleDestroy(): void {
    this.officialAccount.pending.clear();
  }

  /** Checks that the kernel is there and agrees with this module, and registers the code types. */
  onModuleInit(): void {
    if (!this.context.hasCore) {
      throw new QrLoginWechatConfigError(
        'QrLoginModule was not found. Import QrLoginModule.forRoot(...) in the application as well; QrLoginWechatModule adds the WeChat code types to it.',
      );
    }
    const core = this.context.core;
    const coreConfig = core.settings;
    this.api.useClock(coreConfig.clock);
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
    if (types.has('WECHAT_MINIPROGRAM')) core.registerTypeHandler(this.miniProgram.handler);
    if (types.has('WECHAT_OFFICIAL_ACCOUNT')) {
      core.registerTypeHandler(this.officialAccount.handler);
      registerXmlContentParser(this.adapterHost?.httpAdapter, this.config.maxWebhookBodyBytes);
    }
  }

  /** The connection named `id` (any enabled one of `type` when `id` is absent); 400 when there is none. */
  connectionFor(type: 'WECHAT_MINIPROGRAM', id?: string): WechatMiniProgramConnection;
  connectionFor(type: 'WECHAT_OFFICIAL_ACCOUNT', id?: string): WechatOfficialAccountConnection;
  connectionFor(type: WechatQrCodeType, id?: string): WechatConnection {
    return this.context.connectionFor(type, id);
  }

  /**
   * The mini program's SCAN / CONFIRM / CANCEL: resolves the `wx.login` code
   * to the WeChat user, maps them with `findOrCreateUser`, and acts as that
   * app user. Answers what the core's routes answer.
   */
  miniProgramAction(
    action: QrCodeAction,
    input: WechatMiniProgramActionInput,
  ): Promise<QrScanResult | QrCodeStatusView> {
    return this.miniProgram.act(action, input);
  }

  /**
   * The official account's webhook: verifies a push (signature, timestamp
   * window, safe mode, addressee), refuses a replay on any instance (the
   * (timestamp, nonce) is remembered in the store), limits each WeChat user's
   * rate, and handles it. Every refusal is a `QrLoginException` (401/400/429)
   * reported on `events$` as `refused` with action `PUSH`, and leaves every code as it was.
   */
  receiveOfficialAccountPush(
    connectionId: string,
    query: Record<string, unknown>,
    readBody: () => Promise<string>,
  ): Promise<WechatWebhookAnswer> {
    return this.officialAccount.receivePush(connectionId, query, readBody);
  }

  /**
   * An official-account message, already verified and decrypted. A `SCAN` of
   * one of our codes, or a `subscribe` through one (`EventKey` `qrscene_<id>`),
   * scans it as the app user `findOrCreateUser` gives for the sender's openid
   * and asks them to confirm by replying (or, with the connection's
   * `loginOnScan`, confirms at once). A text message from a user with a
   * pending confirmation confirms or cancels it. Everything else is left alone.
   */
  handleOfficialAccountMessage(connectionId: string, message: WechatMessage): Promise<WechatPushResult> {
    return this.officialAccount.handleMessage(connectionId, message);
  }
}
