/** Injection tokens of the device grant plugin. @internal */
export const QR_LOGIN_DEVICE_MODULE_OPTIONS = 'QR_LOGIN:DEVICE_GRANT_MODULE_OPTIONS';
/** @internal */
export const QR_LOGIN_DEVICE_CONFIG = 'QR_LOGIN:DEVICE_GRANT_CONFIG';
/** @internal */
export const QR_LOGIN_DEVICE_EXTRAS = 'QR_LOGIN:DEVICE_GRANT_EXTRAS';

/** The grant type of RFC 8628 §3.4. */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/** What `slow_down` adds to the polling interval, ms (RFC 8628 §3.5: 5 seconds). @internal */
export const SLOW_DOWN_MS = 5_000;

/** The `via` of device codes' binding, and the prefix of the client identity their proof carries. @internal */
export const DEVICE_VIA = 'device';

/** The `routePrefix` extra without slashes at the ends; default `qr-login`, the kernel's default. @internal */
export function devicePrefixOf(prefix: string | undefined): string {
  return (prefix ?? 'qr-login').replace(/^\/+|\/+$/g, '');
}
