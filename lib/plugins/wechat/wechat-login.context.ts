import { type QrCodeInfo, QrLoginError, type QrLoginHttpService, type QrLoginService } from '../../plugin';
import type { WechatSession } from './wechat-api.client';
import type { ResolvedQrLoginWechatConfig } from './wechat.config';
import type { ResolvedWechatConnection } from './wechat-connections.config';
import { wechatErrors } from './wechat.errors';
import type {
  WechatConnection,
  WechatMiniProgramConnection,
  WechatOfficialAccountConnection,
  WechatQrCodeType,
} from './interfaces/wechat-options.interface';

// Internal to the WeChat plugin; not part of the public API.

/**
 * What every WeChat flow shares: the kernel's public services (found at
 * start-up, so reached through `core`), the module's connections, and the
 * app's `findOrCreateUser`.
 * @internal
 */
export class WechatLoginContext {
  constructor(
    readonly config: ResolvedQrLoginWechatConfig,
    private readonly kernel?: QrLoginService,
    private readonly http?: QrLoginHttpService,
  ) {}

  /** Whether `QrLoginModule` was found beside the WeChat module. */
  get hasCore(): boolean {
    return this.kernel !== undefined;
  }

  /** The kernel's service; throws when it is asked for before the application has started. */
  get core(): QrLoginService {
    if (!this.kernel) {
      throw new Error(
        'QrLoginWechatService is not initialized yet; call it after the application has started (after onModuleInit).',
      );
    }
    return this.kernel;
  }

  /** The connection named `id` (any enabled one of `type` when `id` is absent); 400 when there is none. */
  connectionFor(type: 'WECHAT_MINIPROGRAM', id?: string): WechatMiniProgramConnection;
  connectionFor(type: 'WECHAT_OFFICIAL_ACCOUNT', id?: string): WechatOfficialAccountConnection;
  connectionFor(type: WechatQrCodeType, id?: string): WechatConnection;
  connectionFor(type: WechatQrCodeType, id?: string): WechatConnection {
    const found = this.config.connections.find(
      (c: ResolvedWechatConnection) => c.type === type && c.enabled && (id === undefined || c.id === id),
    );
    if (!found) throw wechatErrors.connectionNotFound(type, id);
    return found;
  }

  /** Applies the kernel's `appAction` rate limit to one WeChat user of a connection (when the HTTP layer is there). */
  async limitUser(connection: WechatConnection, openid: string): Promise<void> {
    await this.http?.limit('appAction', `wechat:${connection.id}:${openid}`);
  }

  /** The app user `findOrCreateUser` maps this WeChat user to, or undefined when it refuses (null, undefined or false). */
  async appUserOf(connection: WechatConnection, session: WechatSession, record: QrCodeInfo): Promise<unknown> {
    const appUser = await this.config.findOrCreateUser({
      openid: session.openid,
      ...(session.unionid ? { unionid: session.unionid } : {}),
      connectionId: connection.id,
      connectionType: connection.type,
      appId: connection.appId,
      qrcodeId: record.qrcodeId,
      ...(record.context ? { context: record.context } : {}),
      ...(record.customData ? { customData: record.customData } : {}),
    });
    return appUser === null || appUser === false ? undefined : appUser;
  }

  /** A live code of ours, or null when it is unknown, expired or forgotten (a push about it is not ours to act on). */
  async liveCode(qrcodeId: string): Promise<QrCodeInfo | null> {
    try {
      return await this.core.inspect(qrcodeId);
    } catch (error) {
      if (error instanceof QrLoginError && (error.code === 'QR_NOT_FOUND' || error.code === 'QR_EXPIRED')) return null;
      throw error;
    }
  }
}
