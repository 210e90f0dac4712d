export * from './plugins/genauth';
export * from './decorators';
export * from './http/dto';
export * from './kernel/interfaces';
export * from './stores';
export * from './http/rate-limit/qr-login-rate-limiter.interface';
export { MemoryQrLoginRateLimiter } from './http/rate-limit/memory-rate-limiter';
export { RedisQrLoginRateLimiter, type RedisQrLoginRateLimiterOptions } from './stores/redis/redis-rate-limiter';
export { QrLoginRateLimitGuard } from './http/rate-limit/qr-login-rate-limit.guard';
export type { QrLoginRateBucket } from './kernel/qr-login-security.config';
export { QR_LOGIN_CONFIG, QR_LOGIN_DEFAULTS, QR_LOGIN_SECRET_HEADER, QR_LOGIN_STORE, QR_LOGIN_STRATEGY } from './kernel/qr-login.constants';
export type { ResolvedQrLoginConfig } from './kernel/qr-login.config';
export { QrLoginController } from './http/qr-login.controller';
export {
  QrLoginConfigError,
  QrLoginErrorCode,
  QrLoginException,
  QrLoginStoreUnavailableError,
  type QrLoginErrorBody,
} from './kernel/qr-login.errors';
export { QrLoginAppUserGuard } from './auth/qr-login-app-user.guard';
export { QrLoginGuard } from './auth/qr-login.guard';
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
} from './kernel/qr-login.service';
export { QrLoginStrategy, getQrLoginContext } from './auth/qr-login.strategy';
export * from './plugins/wechat';
