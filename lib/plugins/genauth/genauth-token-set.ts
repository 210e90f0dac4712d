import { genAuthErrors } from './genauth.errors';
import type { GenAuthTokenSet } from './genauth-options.interface';

function firstString(source: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = source[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

function firstNumber(source: Record<string, unknown>, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const value = source[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
}

/** Seconds left until the `exp` claim of a JWT, or undefined when the token is not a JWT with `exp`. @internal */
export function secondsUntilJwtExpiry(token: string, now = Date.now()): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
    if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return undefined;
    return Math.max(0, Math.floor(claims.exp - now / 1000));
  } catch {
    return undefined;
  }
}

/**
 * Reads what a token set hook returned as GenAuth's token set. Apps often
 * return their own login answer from `issueTokenSet` (camelCase, or OAuth's
 * `expires_in`), so the usual spellings are all accepted; what cannot be read
 * is a server-side mistake, reported with how to fix it.
 */
export function toGenAuthTokenSet(issued: unknown): GenAuthTokenSet {
  if (typeof issued === 'string' && issued !== '') issued = { access_token: issued };
  if (issued === null || typeof issued !== 'object') {
    throw genAuthErrors.tokenSetInvalid(`returned ${issued === null ? 'null' : typeof issued} instead of a token set`);
  }
  const source = issued as Record<string, unknown>;
  const accessToken = firstString(source, 'access_token', 'accessToken', 'token');
  if (accessToken === undefined) throw genAuthErrors.tokenSetInvalid('returned no access_token');
  const expireIn = firstNumber(source, 'expire_in', 'expires_in', 'expiresIn') ?? secondsUntilJwtExpiry(accessToken);
  if (expireIn === undefined) {
    throw genAuthErrors.tokenSetInvalid('returned no expires_in, and the access token is not a JWT with an exp claim');
  }
  const idToken = firstString(source, 'id_token', 'idToken');
  const refreshToken = firstString(source, 'refresh_token', 'refreshToken');
  const scope = firstString(source, 'scope');
  return {
    access_token: accessToken,
    ...(idToken ? { id_token: idToken } : {}),
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
    token_type: firstString(source, 'token_type', 'tokenType') ?? 'Bearer',
    expire_in: Math.max(0, Math.floor(expireIn)),
    ...(scope ? { scope } : {}),
  };
}
