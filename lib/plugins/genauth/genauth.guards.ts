import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { QR_LOGIN_GENAUTH_CONFIG } from './genauth.constants';
import type { ResolvedGenAuthConfig } from './genauth.config';
import { headerOf, QrLoginAppUserGuard, safeEqual } from '../../plugin';
import { genAuthErrors } from './genauth.errors';

/**
 * GenAuth's SDKs put the user's token in `authorization` bare, without a
 * scheme (`setAccessToken(token)`); app strategies such as passport-jwt expect
 * `Bearer <token>`. A value without a space is taken as a bare token and
 * given the scheme; anything else is left alone.
 * @internal
 */
export function normalizeAuthorization(request: any): void {
  const value = headerOf(request, 'authorization')?.trim();
  if (value && !/\s/.test(value) && request.headers) request.headers.authorization = `Bearer ${value}`;
}

/**
 * The app-side calls of the compatible routes: accepts the token with or
 * without `Bearer`, then authenticates the user exactly as the native routes
 * do (`appAuth`), leaving it in `request.user`.
 * @internal
 */
@Injectable()
export class GenAuthAppUserGuard implements CanActivate {
  constructor(private readonly appUserGuard: QrLoginAppUserGuard) {}

  canActivate(context: ExecutionContext): Promise<boolean> {
    normalizeAuthorization(context.switchToHttp().getRequest());
    return this.appUserGuard.canActivate(context);
  }
}

/**
 * When `appId` is set, refuses requests whose `x-authing-app-id`
 * names another app: an SDK initialised for the wrong app fails loudly here
 * rather than half-working.
 * @internal
 */
@Injectable()
export class GenAuthAppIdGuard implements CanActivate {
  constructor(@Inject(QR_LOGIN_GENAUTH_CONFIG) private readonly config: ResolvedGenAuthConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.appId;
    if (expected === undefined) return true;
    const sent = headerOf(context.switchToHttp().getRequest(), 'x-authing-app-id');
    if (sent === undefined || !safeEqual(sent, expected)) throw genAuthErrors.appIdMismatch();
    return true;
  }
}

/** The client credentials a request presents, from the Basic header or the body. */
function presentedCredentials(
  request: any,
  body: { client_id?: unknown; client_secret?: unknown } | undefined,
  method: 'client_secret_post' | 'client_secret_basic',
): { id: string; secret: string } | undefined {
  if (method === 'client_secret_post') {
    const id = body?.client_id;
    const secret = body?.client_secret;
    return typeof id === 'string' && typeof secret === 'string' ? { id, secret } : undefined;
  }
  const header = headerOf(request, 'authorization');
  const match = header && /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // GenAuth's SDKs send the id and secret as they are (not form-encoded first, as RFC 6749 §2.3.1 would).
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/**
 * Client authentication of the ticket exchange, per
 * `tokenEndpointAuthMethod`. Runs before the ticket is touched, so a
 * failed attempt does not use up the ticket. Throws `QR_CLIENT_UNAUTHENTICATED`.
 * @internal
 */
export function authenticateClient(
  config: ResolvedGenAuthConfig,
  request: any,
  body: { client_id?: unknown; client_secret?: unknown } | undefined,
): void {
  const { tokenEndpointAuthMethod: method, clientId, clientSecret } = config;
  if (method === 'none') return;
  const presented = presentedCredentials(request, body, method);
  // Both comparisons always run, so timing does not tell which part was wrong.
  const idOk = presented !== undefined && safeEqual(presented.id, clientId!);
  const secretOk = presented !== undefined && safeEqual(presented.secret, clientSecret!);
  if (!idOk || !secretOk) throw genAuthErrors.clientUnauthenticated(method);
}
