import { DEVICE_CODE_GRANT_TYPE } from '../../lib/plugins/device';
import { request, type JsonResponse } from './http';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/**
 * A device's authorization request (RFC 8628 §3.1) to the module mounted at
 * `/qr-login` of `baseUrl`, as the public client `clientId`; `headers` add to
 * the form's (the device's address or user agent).
 */
export function startDeviceAuthorization(
  baseUrl: string,
  clientId = 'tv-app',
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  return request(`${baseUrl}/qr-login/device_authorization`, {
    method: 'POST',
    headers: { ...FORM, ...headers },
    body: new URLSearchParams({ client_id: clientId }).toString(),
  });
}

/** A device's token request with its device code (RFC 8628 §3.4), as the public client `clientId`. */
export function requestDeviceToken(baseUrl: string, deviceCode: string, clientId = 'tv-app'): Promise<JsonResponse> {
  return request(`${baseUrl}/qr-login/token`, {
    method: 'POST',
    headers: FORM,
    body: new URLSearchParams({
      client_id: clientId,
      grant_type: DEVICE_CODE_GRANT_TYPE,
      device_code: deviceCode,
    }).toString(),
  });
}
