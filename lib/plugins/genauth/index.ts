/*
 * `nestjs-qr-login/genauth`: GenAuth (Authing) compatible routes, a plugin
 * imported beside `QrLoginModule`.
 */
export { QrLoginGenAuthModule } from './genauth.module';
export type { QrLoginGenAuthForRootAsyncOptions, QrLoginGenAuthForRootOptions } from './genauth.module-definition';
export type {
  GenAuthTokenEndpointAuthMethod,
  GenAuthTokenSet,
  QrLoginGenAuthModuleExtras,
  QrLoginGenAuthModuleOptions,
} from './genauth-options.interface';
export { QrLoginGenAuthConfigError } from './genauth.config';
export { QrLoginGenAuthErrorCode, QrLoginGenAuthException } from './genauth.errors';
export type { GenAuthEnvelope, GenAuthV2Envelope } from './genauth.envelope';
export { GenAuthCompatService, type GenAuthExchangeResult } from './genauth-compat.service';
export { toGenAuthTokenSet } from './genauth-token-set';
