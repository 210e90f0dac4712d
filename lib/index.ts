/*
 * `nestjs-qr-login`: the kernel and what an app uses with it. Each name is
 * exported on purpose; plugins and optional stores have their own entries
 * (`nestjs-qr-login/redis`, `/postgres`, `/genauth`, `/wechat`, `/client`, `/app`).
 */

// The module, its options and settings.
export { QrLoginModule } from './qr-login.module';
export {
  QR_LOGIN_MODULE_OPTIONS,
  type QrLoginForRootAsyncOptions,
  type QrLoginForRootOptions,
} from './qr-login.module-definition';
export type {
  QrLoginAppAuthOptions,
  QrLoginContext,
  QrLoginCookieOptions,
  QrLoginLoadedUser,
  QrLoginModuleExtras,
  QrLoginModuleOptions,
  QrLoginOptionsFactory,
  QrLoginRequest,
} from './kernel/interfaces/qr-login-options.interface';
export type {
  QrLoginRateLimitOptions,
  QrLoginRateLimitRule,
  QrLoginSecurityOptions,
} from './kernel/interfaces/qr-login-security-options.interface';
export { QR_LOGIN_DEFAULTS, QR_LOGIN_SECRET_HEADER, QR_LOGIN_STRATEGY } from './kernel/qr-login.constants';

// The kernel's public service and what it speaks.
export { QrLoginService, type QrLoginPluginReport } from './kernel/qr-login.service';
export { isTerminalStatus, type PollPace } from './kernel/qr-login.rules';
export { formatUserCode, normalizeUserCode } from './kernel/qr-login.user-code';
export { systemClock, type QrLoginClock, type QrLoginTimer } from './kernel/qr-login.clock';
export type {
  BriefUserInfo,
  JsonObject,
  QrCodeAction,
  QrCodeBinding,
  QrCodeEntry,
  QrCodeFlow,
  QrCodeProof,
  QrCodeRecord,
  QrCodeStatus,
  QrCodeType,
  QrRequesterInfo,
} from './kernel/interfaces/qr-code.interface';
export type {
  CreateQrCodeInput,
  CreateQrCodeOptions,
  CreateQrCodeRequester,
  QrCodeRendering,
  QrCodeTypeHandler,
} from './kernel/interfaces/qr-code-type-handler.interface';
export type {
  QrCodeCreated,
  QrCodeInfo,
  QrCodeStatusView,
  QrLoginKernelSettings,
  QrLoginPollResult,
  QrScanResult,
  QrUserCodeRequest,
} from './kernel/interfaces/qr-login-views.interface';
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
export {
  QR_LOGIN_CONTROLLER_METADATA,
  isQrLoginController,
  mountQrLoginController,
  type QrLoginRouteDecorators,
} from './http/qr-login.routes';
export { QrLoginSseHub } from './http/qr-login-sse.hub';
export { QrLoginRateLimitGuard } from './http/rate-limit/qr-login-rate-limit.guard';
export { MemoryQrLoginRateLimiter } from './http/rate-limit/memory-rate-limiter';
export {
  ThrottlerStorageQrLoginRateLimiter,
  type QrLoginThrottlerStorage,
  type ThrottlerStorageQrLoginRateLimiterOptions,
} from './http/rate-limit/throttler-storage.rate-limiter';
export type { QrLoginRateBucket } from './kernel/qr-login-security.config';
export type { QrLoginRateLimiter, QrLoginRateLimitResult } from './kernel/interfaces/qr-login-rate-limiter.interface';

// Authentication: the ticket strategy, its guard and the phone-side guard.
export { QrLoginStrategy, getQrLoginContext, type QrLoginSignIn } from './auth/qr-login.strategy';
export { QrLoginGuard } from './auth/qr-login.guard';
export { QrLoginAppUserGuard } from './auth/qr-login-app-user.guard';

// Stores: the contract and the embedded default.
export type { QrLoginStore } from './kernel/interfaces/qr-login-store.interface';
export { MemoryQrLoginStore, type MemoryQrLoginStoreOptions } from './stores/memory-qr-login.store';
export { InjectQrLoginStore } from './decorators/inject-qr-login-store.decorator';

// Where a login comes from: the requester context, proximity, the risk policy and the origin allow-list.
export {
  MmdbGeoLookup,
  type MmdbGeoLookupOptions,
  type QrLoginMmdbReader,
  type QrLoginMmdbSource,
} from './risk/mmdb-geo.lookup';
export type { QrLoginGeoLookup, QrLoginPlace } from './risk/requester-geo.interface';
export { parseUserAgent, type QrLoginUserAgentInfo } from './risk/requester-agent.parser';
export { describeRequester, type QrLoginRequesterView } from './risk/requester-context';
export { networkKeyOf } from './risk/requester-network';
export {
  DEFAULT_FAR_AWAY_KM,
  QrLoginRiskFlag,
  compareRequesters,
  distanceKm,
  type QrLoginRequesterSite,
  type QrLoginRiskFacts,
} from './risk/requester-proximity';
export {
  QR_LOGIN_RISK_DENIED_REASON,
  assessQrLoginRisk,
  defaultQrLoginRiskPolicy,
  type QrLoginRiskAssessment,
  type QrLoginRiskInput,
  type QrLoginRiskPolicy,
  type QrLoginRiskVerdict,
} from './risk/qr-login-risk.policy';
export { acceptsCreateOrigin, isAllowedOrigin, normalizeOriginAllowList } from './risk/origin-allow-list';
export { QR_LOGIN_AMR, type QrLoginRiskOptions } from './risk/qr-login-risk-options.interface';

// The OAuth 2.0 device authorization grant (RFC 8628), a plugin imported beside the module.
export { QrLoginDeviceGrantModule } from './plugins/device/device.module';
export type {
  QrLoginDeviceGrantForRootAsyncOptions,
  QrLoginDeviceGrantForRootOptions,
} from './plugins/device/device.module-definition';
export type {
  QrLoginDeviceClient,
  QrLoginDeviceClientAuthMethod,
  QrLoginDeviceGrantModuleExtras,
  QrLoginDeviceGrantModuleOptions,
} from './plugins/device/device-options.interface';
export { QrLoginDeviceGrantConfigError } from './plugins/device/device.config';
export { DeviceGrantErrorCode, DeviceGrantException, type DeviceGrantErrorBody } from './plugins/device/device.errors';
export {
  QrLoginDeviceGrantService,
  type DeviceAuthorizationResponse,
  type DeviceGrantMetadata,
  type DeviceGrantRequest,
} from './plugins/device/device-grant.service';
export type { DeviceTokenResponse } from './plugins/device/device-token-set';
export { DEVICE_CODE_GRANT_TYPE } from './plugins/device/device.constants';
