import { createHash, timingSafeEqual } from 'node:crypto';
import type { ResolvedDeviceClient, ResolvedDeviceGrantConfig } from './device.config';
import { deviceErrors } from './device.errors';

/**
 * A form field as one string: absent is undefined; repeated or non-text is `invalid_request` (RFC 6749 §3.2).
 * @internal
 */
export function formField(body: unknown, name: string): string | undefined {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string')
    throw deviceErrors.invalidRequest(`"${name}" must be sent once, as text (application/x-www-form-urlencoded).`);
  return value;
}

function sameSecret(given: string, expected: string): boolean {
  // Digests first, so neither the length nor the content leaks through timing.
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}

/** RFC 6749 §2.3.1: the id and secret in Basic credentials are form-encoded before base64. */
function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = header && /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const id = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  return id === undefined || secret === undefined ? undefined : { id, secret };
}

/**
 * Authenticates the client of a device authorization or token request, per
 * the method it is registered with; anything else is `invalid_client`
 * (401, with a Basic challenge when the Authorization header was tried).
 * @internal
 */
export function authenticateDeviceClient(
  config: ResolvedDeviceGrantConfig,
  authorization: string | undefined,
  body: unknown,
): ResolvedDeviceClient {
  const basicAttempted = /^Basic\s/i.test(authorization ?? '');
  const basic = basicCredentials(authorization);
  const bodyId = formField(body, 'client_id');
  const bodySecret = formField(body, 'client_secret');
  if (basic && bodyId !== undefined && bodyId !== basic.id)
    throw deviceErrors.invalidRequest('client_id in the body differs from the one in the Authorization header.');
  if (basic && bodySecret !== undefined)
    throw deviceErrors.invalidRequest(
      'Send the client secret one way only: in the Authorization header or in the body.',
    );
  const clientId = basic?.id ?? bodyId;
  const client = clientId === undefined ? undefined : config.clients.get(clientId);
  if (!client) throw deviceErrors.invalidClient(basicAttempted);
  let ok: boolean;
  switch (client.method) {
    case 'none':
      ok = basic === undefined && bodySecret === undefined;
      break;
    case 'client_secret_post':
      ok = basic === undefined && bodySecret !== undefined && sameSecret(bodySecret, client.clientSecret!);
      break;
    default:
      ok = basic !== undefined && sameSecret(basic.secret, client.clientSecret!);
  }
  if (!ok) throw deviceErrors.invalidClient(basicAttempted);
  return client;
}
