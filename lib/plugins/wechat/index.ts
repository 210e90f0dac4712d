/*
 * `nestjs-qr-login/wechat`: WeChat login (mini program codes and official
 * account pushes), a plugin imported beside `QrLoginModule`.
 */
export { QrLoginWechatModule } from './wechat.module';
export type { QrLoginWechatForRootAsyncOptions, QrLoginWechatForRootOptions } from './wechat.module-definition';
export type {
  QrLoginWechatModuleExtras,
  QrLoginWechatModuleOptions,
  QrLoginWechatOptionsFactory,
  WechatConnection,
  WechatMiniProgramConnection,
  WechatOfficialAccountConnection,
  WechatQrCodeType,
  WechatReply,
  WechatUserIdentity,
} from './interfaces/wechat-options.interface';
export { QrLoginWechatService } from './wechat.service';
export { QrLoginWechatConfigError, QrLoginWechatErrorCode, QrLoginWechatException } from './wechat.errors';
export { QR_LOGIN_WECHAT_DEFAULTS, WECHAT_NOT_CONFIRMED, WECHAT_SUPERSEDED } from './wechat.constants';
export { defaultWechatReplyText } from './wechat-reply.text';
export type { WechatMiniProgramActionInput } from './wechat-miniprogram.flow';
export type { WechatPushOutcome, WechatPushResult, WechatWebhookAnswer } from './wechat-official-account.flow';
export type { WechatMessage } from './wechat-webhook.body';
