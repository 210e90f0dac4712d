/*
 * `nestjs-qr-login/device`: the OAuth 2.0 device authorization grant
 * (RFC 8628), a plugin imported beside `QrLoginModule`.
 */
export { QrLoginDeviceGrantModule } from './device.module';
export type {
  QrLoginDeviceGrantForRootAsyncOptions,
  QrLoginDeviceGrantForRootOptions,
} from './device.module-definition';
export type {
  QrLoginDeviceClient,
  QrLoginDeviceClientAuthMethod,
  QrLoginDeviceGrantModuleExtras,
  QrLoginDeviceGrantModuleOptions,
} from './device-options.interface';
export { QrLoginDeviceGrantConfigError } from './device.config';
export {
  QrLoginDeviceGrantErrorCode,
  QrLoginDeviceGrantException,
  type QrLoginDeviceGrantErrorBody,
} from './device.errors';
export {
  QrLoginDeviceGrantService,
  type DeviceAuthorizationResponse,
  type DeviceGrantMetadata,
  type DeviceGrantRequest,
} from './device-grant.service';
export type { DeviceTokenResponse } from './device-token-set';
export { DEVICE_CODE_GRANT_TYPE } from './device.constants';
