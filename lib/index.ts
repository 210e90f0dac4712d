/*
 * `nestjs-qr-login`: what an app uses. Each name is exported on purpose, and
 * the runtime names stay few (the architecture test holds them to 20).
 * Everything else has an entry of its own:
 * - `nestjs-qr-login/redis`, `/postgres`: shared stores;
 * - `/genauth`, `/wechat`, `/device`: protocol plugins imported beside the module;
 * - `/risk`: requester context, proximity, the risk policy, origin checks;
 * - `/plugin`: the one door for a plugin (the shipped ones and an app's own);
 * - `/client`, `/app`: the browser and phone clients.
 */

// The module and its options.
export { QrLoginModule } from './qr-login.module';
export type { QrLoginForRootAsyncOptions, QrLoginForRootOptions } from './qr-login.module-definition';
export type {
  QrLoginAppAuthOptions,
  QrLoginContext,
  QrLoginCookieOptions,
  QrLoginCreatorBinding,
  QrLoginLoadedUser,
  QrLoginModuleExtras,
  QrLoginRequest,
  QrLoginServeClientOptions,
} from './kernel/interfaces/qr-login-options.interface';
export type { QrLoginModuleOptions, QrLoginOptionsFactory } from './qr-login.module-options';
export type {
  QrLoginRateLimitOptions,
  QrLoginRateLimitRule,
  QrLoginSecurityOptions,
} from './kernel/interfaces/qr-login-security-options.interface';
export type { QrLoginRiskOptions } from './risk/qr-login-risk-options.interface';
export type {
  QrLoginApprovalCode,
  QrLoginApprovalOption,
  QrLoginPasskeyOptions,
} from './passkey/qr-login-passkey-options.interface';
export type { QrLoginApprovalMethod } from './kernel/interfaces/qr-login-approval.port';
export type {
  QrLoginPasskeyCredential,
  QrLoginPasskeyStore,
} from './kernel/interfaces/qr-login-passkey-store.interface';
export { MemoryQrLoginPasskeyStore } from './stores/memory-passkey.store';
export type { QrLoginClock, QrLoginTimer } from './kernel/qr-login.clock';
export { QR_LOGIN_SECRET_HEADER, QR_LOGIN_STRATEGY } from './kernel/qr-login.constants';

// The service and the views it answers with.
export { QrLoginService } from './kernel/qr-login.service';
export { isTerminalStatus } from './kernel/qr-login.visibility';
export type {
  BriefUserInfo,
  JsonObject,
  QrCodeEntry,
  QrCodeFlow,
  QrCodeStatus,
  QrCodeType,
  QrRequesterInfo,
} from './kernel/interfaces/qr-code.interface';
export type {
  QrCodeCreated,
  QrCodeInfo,
  QrCodeStatusView,
  QrLoginPollResult,
  QrScanResult,
  QrUserCodeRequest,
} from './kernel/interfaces/qr-login-views.interface';
export type { QrLoginEvent, QrLoginEventType } from './kernel/interfaces/qr-login-events.interface';

// Authentication: the ticket strategy and its guard, the phone-side guard, and global-guard support.
export { QrLoginStrategy, getQrLoginContext, type QrLoginSignIn } from './auth/qr-login.strategy';
export { QrLoginGuard } from './auth/qr-login.guard';
export { QrLoginAppUserGuard } from './auth/qr-login-app-user.guard';
export { isQrLoginController, type QrLoginRouteDecorators } from './http/qr-login.routes';

// Errors: the kernel's refusals (stable codes), the HTTP exception every route answers with, start-up errors.
export { QrLoginConfigError, QrLoginError, QrLoginErrorCode } from './kernel/qr-login.errors';
export { QrLoginException, type QrLoginErrorBody } from './http/qr-login.exception';

// DPoP (RFC 9449): the verifier behind key-bound codes, for an app route that takes a DPoP-bound token.
export {
  QrLoginDpopVerifier,
  type QrLoginDpopExpectation,
  type QrLoginVerifiedDpop,
} from './http/dpop/qr-login-dpop.verifier';

// Rate limits: the guard for an app's own routes, and the limiters to choose from.
export { QrLoginRateLimitGuard } from './http/rate-limit/qr-login-rate-limit.guard';
export { MemoryQrLoginRateLimiter } from './http/rate-limit/memory-rate-limiter';
export {
  ThrottlerStorageQrLoginRateLimiter,
  type QrLoginThrottlerStorage,
  type ThrottlerStorageQrLoginRateLimiterOptions,
} from './http/rate-limit/throttler-storage.rate-limiter';
export type { QrLoginRateLimiter, QrLoginRateLimitResult } from './kernel/interfaces/qr-login-rate-limiter.interface';

// Stores: the contract and the embedded default.
export type { QrLoginStore, QrLoginStoreAlias } from './kernel/interfaces/qr-login-store.interface';
export { MemoryQrLoginStore, type MemoryQrLoginStoreOptions } from './stores/memory-qr-login.store';
