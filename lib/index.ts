/*
 * `nestjs-qr-login`: the kernel and what an app uses with it. Each name is
 * exported on purpose; plugins and optional stores have their own entries
 * (`nestjs-qr-login/redis`, `/postgres`, `/genauth`, `/wechat`, `/client`, `/app`).
 */

// The module, its options and settings.
export { QrLoginModule } from './qr-login.module';
export { QR_LOGIN_MODULE_OPTIONS, type QrLoginForRootAsyncOptions, type QrLoginForRootOptions } from './qr-login.module-definition';
export type {
  QrLoginAppAuthOptions,
  QrLoginContext,
  QrLoginCookieOptions,
  QrLoginModuleExtras,
  QrLoginModuleOptions,
  QrLoginOptionsFactory,
} from './kernel/interfaces/qr-login-options.interface';
export type {
  QrLoginRateLimitOptions,
  QrLoginRateLimitRule,
  QrLoginSecurityOptions,
} from './kernel/interfaces/qr-login-security-options.interface';
export { QR_LOGIN_DEFAULTS, QR_LOGIN_SECRET_HEADER, QR_LOGIN_STRATEGY } from './kernel/qr-login.constants';

// The kernel's public service and what it speaks.
export { QrLoginService, type QrLoginKernelSettings } from './kernel/qr-login.service';
export { isTerminalStatus } from './kernel/qr-login.rules';
export { systemClock, type QrLoginClock, type QrLoginTimer } from './kernel/qr-login.clock';
export type {
  BriefUserInfo,
  JsonObject,
  QrCodeAction,
  QrCodeBinding,
  QrCodeProof,
  QrCodeRecord,
  QrCodeStatus,
  QrCodeType,
  QrRequesterInfo,
} from './kernel/interfaces/qr-code.interface';
export type {
  CreateQrCodeInput,
  CreateQrCodeRequester,
  QrCodeRendering,
  QrCodeTypeHandler,
} from './kernel/interfaces/qr-code-type-handler.interface';
export type { QrCodeCreated, QrCodeInfo, QrCodeStatusView, QrScanResult } from './kernel/interfaces/qr-login-views.interface';
export type { QrLoginEvent, QrLoginEventType } from './kernel/interfaces/qr-login-events.interface';

// Errors: the kernel's plain refusals, and the one HTTP exception class of every route.
export {
  QrLoginConfigError,
  QrLoginError,
  QrLoginErrorCode,
  QrLoginStoreFullError,
  QrLoginStoreUnavailableError,
} from './kernel/qr-login.errors';
export { QrLoginException, toHttpError, type QrLoginErrorBody } from './http/qr-login.exception';
export { QrLoginErrorFilter } from './http/qr-login-error.filter';

// The HTTP edge, for plugins and apps that add routes of their own.
export { QrLoginHttpService } from './http/qr-login-http.service';
export { QrLoginSseHub } from './http/qr-login-sse.hub';
export { QrLoginRateLimitGuard } from './http/rate-limit/qr-login-rate-limit.guard';
export { MemoryQrLoginRateLimiter } from './http/rate-limit/memory-rate-limiter';
export type { QrLoginRateBucket } from './kernel/qr-login-security.config';
export type { QrLoginRateLimiter, QrLoginRateLimitResult } from './kernel/interfaces/qr-login-rate-limiter.interface';

// Authentication: the ticket strategy, its guard and the phone-side guard.
export { QrLoginStrategy, getQrLoginContext } from './auth/qr-login.strategy';
export { QrLoginGuard } from './auth/qr-login.guard';
export { QrLoginAppUserGuard } from './auth/qr-login-app-user.guard';

// Stores: the contract and the embedded default.
export type { QrLoginStore } from './kernel/interfaces/qr-login-store.interface';
export { MemoryQrLoginStore, type MemoryQrLoginStoreOptions } from './stores/memory-qr-login.store';
export { InjectQrLoginStore } from './decorators/inject-qr-login-store.decorator';
