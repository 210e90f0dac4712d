export * from './dto';
export * from './interfaces';
export {
  QR_LOGIN_WECHAT_CONFIG,
  QR_LOGIN_WECHAT_DEFAULTS,
  QR_LOGIN_WECHAT_MODULE_OPTIONS,
} from './wechat.constants';
export type { ResolvedQrLoginWechatConfig, ResolvedWechatConnection } from './wechat.config';
export { decryptWechatMessage, encryptWechatMessage, isWechatSignature, wechatSignature } from './wechat-crypto';
export {
  QrLoginWechatConfigError,
  QrLoginWechatErrorCode,
  QrLoginWechatException,
} from './wechat.errors';
export { QrLoginWechatMiniProgramController } from './wechat-miniprogram.controller';
export { QrLoginWechatModule } from './wechat.module';
export type { QrLoginWechatForRootAsyncOptions, QrLoginWechatForRootOptions } from './wechat.module-definition';
export { QrLoginWechatOfficialAccountController } from './wechat-official-account.controller';
export { QrLoginWechatService } from './wechat.service';
export { WECHAT_NOT_CONFIRMED, WECHAT_SUPERSEDED } from './wechat.constants';
export type { WechatMiniProgramActionInput } from './wechat-miniprogram.flow';
export type { WechatPushOutcome, WechatPushResult, WechatWebhookAnswer } from './wechat-official-account.flow';
export { defaultWechatReplyText } from './wechat-reply.text';
export { parseWechatXml, type WechatMessage } from './wechat-webhook.body';
