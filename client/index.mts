/**
 * `nestjs-qr-login/client`: the browser side of scan-to-login, as an ES
 * module with no dependency. `startQrLogin()` creates a code, follows it over
 * Server-Sent Events (or polling) and redeems the ticket once confirmed;
 * `<qr-login-code>` (after `defineQrLoginElement()`) does the same as one
 * element that renders everything.
 */
export { isTerminalQrLoginStatus, startQrLogin } from './qr-login.flow.mjs';
export type {
  QrLoginBriefUserInfo,
  QrLoginCode,
  QrLoginError,
  QrLoginHandle,
  QrLoginLabels,
  QrLoginOptions,
  QrLoginState,
  QrLoginStatus,
  QrLoginStatusView,
  QrLoginTransport,
} from './qr-login.types.mjs';
export { qrLoginDpopKey, qrLoginDpopProof, type QrLoginDpopKey } from './qr-login.dpop.mjs';
export { QR_LOGIN_CODE_TAG, QrLoginCodeElement, defineQrLoginElement } from './qr-login-code.element.mjs';
export type { QrLoginCodeEventMap } from './qr-login-code.events.mjs';
export {
  QR_LOGIN_CODE_MESSAGES,
  qrLoginCodeLanguageOf,
  type QrLoginCodeLanguage,
  type QrLoginCodeMessages,
} from './qr-login-code.i18n.mjs';
