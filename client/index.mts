/**
 * `nestjs-qr-login/client`: the browser side of scan-to-login, as an ES
 * module with no dependency. `startQrLogin()` creates a code, follows it over
 * Server-Sent Events (or polling) and redeems the ticket once confirmed;
 * `<qr-login-code>` (after `defineQrLoginElement()`) does the same as one
 * element that renders everything.
 */
export {
  isTerminalQrLoginStatus,
  startQrLogin,
  type QrLoginBriefUserInfo,
  type QrLoginCode,
  type QrLoginError,
  type QrLoginHandle,
  type QrLoginLabels,
  type QrLoginOptions,
  type QrLoginState,
  type QrLoginStatus,
  type QrLoginStatusView,
  type QrLoginTransport,
} from './qr-login-client.mjs';
export {
  QR_LOGIN_CODE_TAG,
  QrLoginCodeElement,
  defineQrLoginElement,
  type QrLoginCodeEventMap,
} from './qr-login-code.element.mjs';
export {
  QR_LOGIN_CODE_MESSAGES,
  qrLoginCodeLanguageOf,
  type QrLoginCodeLanguage,
  type QrLoginCodeMessages,
} from './qr-login-code.i18n.mjs';
