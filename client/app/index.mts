/**
 * `nestjs-qr-login/app`: the phone side of scan-to-login (scan, show who is
 * asking, confirm or cancel), fetch-based with no DOM and no dependency, so
 * the same module runs in React Native, browsers and Node.
 */
export {
  createQrLoginAppClient,
  type QrLoginAppCallOptions,
  type QrLoginAppClient,
  type QrLoginAppClientOptions,
  type QrLoginFetch,
  type QrLoginFetchResponse,
  type QrLoginPasskeyList,
  type QrLoginPasskeyRequest,
} from './qr-login-app.client.mjs';
export { QR_LOGIN_APP_CLIENT_CODES, QrLoginAppError, isQrLoginAppError } from './qr-login-app.error.mjs';
export { isQrCodeId, qrcodeIdFromPayload, readScannedCode } from './qr-login-app.payload.mjs';
export {
  createPasskeyCredential,
  fromBase64url,
  getPasskeyAssertion,
  passkeyChallengeFor,
  toBase64url,
} from './qr-login-app.passkey.mjs';
export type {
  QrLoginCancelAnswer,
  QrLoginConfirmAnswer,
  QrLoginNamedVersion,
  QrLoginPlace,
  QrLoginRequester,
  QrLoginRisk,
  QrLoginRiskFlag,
  QrLoginScanAnswer,
  QrLoginUserCodeRequest,
} from './qr-login-app.types.mjs';
