export * from './compat';
export * from './decorators';
export * from './dto';
export * from './interfaces';
export * from './stores';
export * from './rate-limit/qr-login-rate-limiter.interface';
export { MemoryQrLoginRateLimiter } from './rate-limit/memory-rate-limiter';
export { RedisQrLoginRateLimiter, type RedisQrLoginRateLimiterOptions } from './rate-limit/redis-rate-limiter';
export { QrLoginRateLimitGuard } from './rate-limit/qr-login-rate-limit.guard';
export type { QrLoginRateBucket } from './qr-login-security.config';
export { QR_LOGIN_CONFIG, QR_LOGIN_DEFAULTS, QR_LOGIN_SECRET_HEADER, QR_LOGIN_STORE, QR_LOGIN_STRATEGY } from './qr-login.constants';
export type { ResolvedQrLoginConfig } from './qr-login.config';
export { QrLoginController } from './qr-login.controller';
export {
  QrLoginConfigError,
  QrLoginErrorCode,
  QrLoginException,
  QrLoginStoreUnavailableError,
  type QrLoginErrorBody,
} from './qr-login.errors';
export { QrLoginAppUserGuard } from './qr-login-app-user.guard';
export { QrLoginGuard } from './qr-login.guard';
export { QrLoginModule } from './qr-login.module';
export {
  QR_LOGIN_MODULE_OPTIONS,
  type QrLoginForRootAsyncOptions,
  type QrLoginForRootOptions,
} from './qr-login.module-definition';
export {
  QrLoginService,
  isTerminalStatus,
  type CreateQrCodeInput,
  type CreateQrCodeRequester,
  type CreatorSecrets,
  type QrCodeRendering,
  type QrCodeTypeHandler,
} from './qr-login.service';
export { QrLoginStrategy, getQrLoginContext } from './qr-login.strategy';
export * from './wechat';
