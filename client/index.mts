/**
 * `nestjs-qr-login/client`: the browser side of scan-to-login, as an ES
 * module with no dependency. `startQrLogin()` creates a code, follows it over
 * Server-Sent Events (or polling) and redeems the ticket once confirmed.
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
