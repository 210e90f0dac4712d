import type { QrCodeAction, QrCodeRendering, QrCodeStatusView, QrCodeTypeHandler, QrScanResult } from '../../plugin';
import type { WechatApiClient } from './wechat-api.client';
import { imageTypeOf } from './wechat-api.transport';
import type { WechatLoginContext } from './wechat-login.context';
import { wechatErrors } from './wechat.errors';
import type { WechatLogoMerger } from './wechat-logo.merger';

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

/**
 * The `WECHAT_MINIPROGRAM` code type: renders a mini-program code whose scene
 * is the code's id, and turns the mini program's calls (proved by a
 * `wx.login()` code instead of a bearer token) into the kernel's actions.
 * @internal
 */
export class WechatMiniProgramFlow {
  constructor(
    private readonly context: WechatLoginContext,
    private readonly api: WechatApiClient,
    private readonly merger: WechatLogoMerger,
  ) {}

  /**
   * SCAN / CONFIRM / CANCEL from the mini program: resolves the `wx.login`
   * code to the WeChat user, maps them with `findOrCreateUser`, and acts as
   * that app user. Answers what the core's routes answer.
   */
  async act(action: QrCodeAction, input: WechatMiniProgramActionInput): Promise<QrScanResult | QrCodeStatusView> {
    const core = this.context.core;
    // Checked before the login code is spent, so a wrong or stale code costs the user nothing.
    const record = await core.inspect(input.qrcodeId);
    if (record.type !== 'WECHAT_MINIPROGRAM') throw wechatErrors.wrongType(record.type, 'WECHAT_MINIPROGRAM');
    // The connection that made the code is on its record; a page of another mini program may not act on it.
    const made = record.binding.connection;
    if (input.connectionId !== undefined && made !== undefined && input.connectionId !== made)
      throw wechatErrors.connectionMismatch(made);
    const connection = this.context.connectionFor('WECHAT_MINIPROGRAM', input.connectionId ?? made);
    const session = await this.api.code2Session(connection, input.code);
    await this.context.limitUser(connection, session.openid);
    const appUser = await this.context.appUserOf(connection, session, record);
    if (appUser === undefined) throw wechatErrors.userRefused();
    return core.act(
      input.qrcodeId,
      action,
      appUser,
      input.matchCode === undefined ? {} : { matchCode: input.matchCode },
    );
  }

  /** Renders the mini-program code (with the connection's logo merged in when asked and possible). */
  readonly handler: QrCodeTypeHandler = {
    type: 'WECHAT_MINIPROGRAM',
    render: async ({ qrcodeId, input }): Promise<QrCodeRendering> => {
      const connection = this.context.connectionFor('WECHAT_MINIPROGRAM', input.extIdpConnId);
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
}
