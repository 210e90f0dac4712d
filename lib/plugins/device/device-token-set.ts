/** The successful token response (RFC 6749 §5.1) the token endpoint answers. */
export interface DeviceTokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  scope?: string;
}

function pick<T>(source: Record<string, unknown>, type: 'string' | 'number', ...keys: string[]): T | undefined {
  for (const key of keys) {
    const value = source[key];
    if (
      type === 'string'
        ? typeof value === 'string' && value !== ''
        : typeof value === 'number' && Number.isFinite(value)
    )
      return value as T;
  }
  return undefined;
}

/** Seconds until the `exp` claim of a JWT, or undefined when the token is not a JWT with `exp`. */
function secondsUntilExp(token: string, nowMs: number): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? Math.max(0, Math.floor(exp - nowMs / 1000)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads what the app's `issueTokenSet` hook returned as an RFC 6749 token
 * response. Apps return their own login answer there, so the usual
 * spellings are accepted (`access_token` / `accessToken`, `expires_in` /
 * `expiresIn`, or a JWT's `exp`); only the standard fields are passed on, so
 * nothing else of the app's answer reaches the device. What cannot be read
 * is the server's mistake, reported with how to fix it.
 * @internal
 */
export function toDeviceTokenResponse(issued: unknown, nowMs: number): DeviceTokenResponse {
  if (typeof issued === 'string' && issued !== '') issued = { access_token: issued };
  const fix = "make QrLoginModule's issueTokenSet return { access_token, expires_in } (token_type defaults to Bearer)";
  if (issued === null || typeof issued !== 'object')
    throw new Error(
      `The device grant cannot answer a token: issueTokenSet returned ${issued === null ? 'null' : typeof issued}; ${fix}.`,
    );
  const source = issued as Record<string, unknown>;
  const accessToken = pick<string>(source, 'string', 'access_token', 'accessToken');
  if (accessToken === undefined)
    throw new Error(`The device grant cannot answer a token: issueTokenSet returned no access_token; ${fix}.`);
  const expiresIn = pick<number>(source, 'number', 'expires_in', 'expiresIn') ?? secondsUntilExp(accessToken, nowMs);
  if (expiresIn === undefined)
    throw new Error(
      `The device grant cannot answer a token: issueTokenSet returned no expires_in and the access token is not a JWT with exp; ${fix}.`,
    );
  const refreshToken = pick<string>(source, 'string', 'refresh_token', 'refreshToken');
  const scope = pick<string>(source, 'string', 'scope');
  return {
    access_token: accessToken,
    token_type: pick<string>(source, 'string', 'token_type', 'tokenType') ?? 'Bearer',
    expires_in: Math.max(0, Math.floor(expiresIn)),
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
    ...(scope ? { scope } : {}),
  };
}
