/*
 * `nestjs-qr-login/plugin`: the one door of a plugin, for the flows shipped
 * here (GenAuth, WeChat, the device grant) and for one an app writes itself.
 * A plugin reaches the kernel through `QrLoginService` (which keeps every
 * rule) and the HTTP edge through `QrLoginHttpService`; everything else here
 * is a building block for its controllers. Nothing here loosens a rule: a
 * plugin describes a code's binding when it creates it, and the kernel holds
 * every later read, scan and redemption to that record.
 */

// The kernel's public service, and the types it speaks.
export { QrLoginService, type QrLoginPluginReport } from '../kernel/qr-login.service';
export { QR_CODE_STATUSES } from '../kernel/interfaces/qr-code.interface';
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
} from '../kernel/interfaces/qr-code.interface';
export type {
  CreateQrCodeInput,
  CreateQrCodeOptions,
  CreateQrCodeRequester,
  QrCodeRendering,
  QrCodeTypeHandler,
} from '../kernel/interfaces/qr-code-type-handler.interface';
export type {
  QrCodeCreated,
  QrCodeInfo,
  QrCodeStatusView,
  QrLoginPollResult,
  QrScanResult,
  QrUserCodeRequest,
} from '../kernel/interfaces/qr-login-views.interface';
export type { QrLoginContext } from '../kernel/interfaces/qr-login-options.interface';
export type { QrLoginEvent, QrLoginEventType } from '../kernel/interfaces/qr-login-events.interface';
export type { QrLoginClock, QrLoginTimer } from '../kernel/qr-login.clock';
export type { QrLoginStore, QrLoginStoreAlias } from '../kernel/interfaces/qr-login-store.interface';
// The port tracing plugs into (the telemetry module provides it globally; without one, nothing is measured).
export {
  QR_LOGIN_INSTRUMENTATION,
  QR_LOGIN_NO_INSTRUMENTATION,
  type QrLoginInstrumentation,
  type QrLoginInstrumentedAction,
  type QrLoginStreamEnd,
} from '../kernel/interfaces/qr-login-instrumentation.port';
export { QR_LOGIN_DEFAULTS, QR_LOGIN_STORE } from '../kernel/qr-login.constants';
export { QR_LOGIN_MODULE_OPTIONS } from '../qr-login.module-definition';
export { systemClock } from '../kernel/qr-login.clock';
export { formatUserCode, normalizeUserCode } from '../kernel/user-code.format';
export type { QrLoginKernelSettings } from '../kernel/interfaces/qr-login-views.interface';
export { resolveRoutePrefix } from '../kernel/qr-login.config';
export { isQrCodeId, safeEqual } from '../kernel/qr-login.ids';

// Errors: the kernel's refusals, the one HTTP exception class, and the filter that answers with them.
export {
  QrLoginConfigError,
  QrLoginError,
  QrLoginErrorCode,
  QrLoginStoreFullError,
  QrLoginStoreUnavailableError,
  qrErrors,
} from '../kernel/qr-login.errors';
export { QrLoginException, httpStatusOf, toHttpError, type QrLoginErrorBody } from '../http/qr-login.exception';
export { QrLoginErrorFilter } from '../http/qr-login-error.filter';

// The HTTP edge: the request-facing service, mounting, guards, validation and response shapes.
export { QrLoginHttpService } from '../http/qr-login-http.service';
export { QrLoginSseHub } from '../http/qr-login-sse.hub';
export { headerOf } from '../http/qr-login.request';
export {
  QR_LOGIN_CONTROLLER_METADATA,
  isQrLoginController,
  mountQrLoginController,
  resolveRouteDecorators,
  type QrLoginRouteDecorators,
} from '../http/qr-login.routes';
export { qrLoginValidationPipe } from '../http/qr-login.validation';
export { QrLoginRateLimitGuard } from '../http/rate-limit/qr-login-rate-limit.guard';
export { QrLoginDpopGuard, dpopJktOf, dpopProofOf, markDpopJkt } from '../http/dpop/qr-login-dpop.guard';
export { QR_LOGIN_DPOP_ALGORITHMS, QrLoginDpopVerifier } from '../http/dpop/qr-login-dpop.verifier';
export { requestHtuOf } from '../http/dpop/qr-login-dpop.url';
export type { QrLoginRateBucket } from '../kernel/qr-login-security.config';
export { QrLoginAppUserGuard } from '../auth/qr-login-app-user.guard';
export { QrCodeStatusViewDto, QrLoginErrorDto, QrScanResultDto } from '../http/dto/qr-login-responses.dto';

// OpenAPI decorators that are no-ops when @nestjs/swagger (an optional peer) is absent.
export {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '../http/qr-login.openapi';
