import type { ExecutionContext } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import type { ResolvedGenAuthConfig } from './genauth.config';
import type { QrLoginAppUserGuard } from '../../plugin';
import { GenAuthAppIdGuard, GenAuthAppUserGuard, authenticateClient, normalizeAuthorization } from './genauth.guards';

/*
 * The GenAuth routes' own checks as plain functions of a request: client
 * authentication of the ticket exchange per method, the app-id header, and
 * the bare-token form of the Authorization header.
 */

const BASE: ResolvedGenAuthConfig = { v3: true, v2: false, tokenEndpointAuthMethod: 'none', bindToCreator: false };
const POST: ResolvedGenAuthConfig = {
  ...BASE,
  tokenEndpointAuthMethod: 'client_secret_post',
  clientId: 'web-app',
  clientSecret: 'app-secret',
};
const BASIC: ResolvedGenAuthConfig = { ...POST, tokenEndpointAuthMethod: 'client_secret_basic' };

const basic = (credentials: string) => ({
  headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` },
});

/** 'ok', or the refusal's status and code. */
function verdict(config: ResolvedGenAuthConfig, request: any, body?: Record<string, unknown>): string {
  try {
    authenticateClient(config, request, body);
    return 'ok';
  } catch (error) {
    const refusal = error as { getStatus(): number; code: string };
    return `${refusal.getStatus()} ${refusal.code}`;
  }
}

const REFUSED = '401 QR_CLIENT_UNAUTHENTICATED';

describe('authenticateClient', () => {
  it('asks nothing of a public client', () => {
    expect(verdict(BASE, { headers: {} })).toBe('ok');
  });

  it.each<[string, Record<string, unknown> | undefined, string]>([
    ['its id and secret', { client_id: 'web-app', client_secret: 'app-secret' }, 'ok'],
    ['a wrong secret', { client_id: 'web-app', client_secret: 'nope' }, REFUSED],
    ['another id', { client_id: 'other', client_secret: 'app-secret' }, REFUSED],
    ['no secret', { client_id: 'web-app' }, REFUSED],
    ['no id', { client_secret: 'app-secret' }, REFUSED],
    ['a non-text secret', { client_id: 'web-app', client_secret: ['app-secret'] }, REFUSED],
    ['no body', undefined, REFUSED],
  ])('client_secret_post with %s → %s', (_what, body, expected) => {
    expect(verdict(POST, { headers: {} }, body)).toBe(expected);
  });

  it('client_secret_post does not count Basic credentials', () => {
    expect(verdict(POST, basic('web-app:app-secret'), {})).toBe(REFUSED);
  });

  it.each<[string, any, string]>([
    ['its id and secret', basic('web-app:app-secret'), 'ok'],
    [
      'a lower-case scheme',
      { headers: { authorization: basic('web-app:app-secret').headers.authorization.replace('Basic', 'basic') } },
      'ok',
    ],
    ['a wrong secret', basic('web-app:nope'), REFUSED],
    ['another id', basic('other:app-secret'), REFUSED],
    ['no colon', basic('web-app'), REFUSED],
    ['an empty secret', basic('web-app:'), REFUSED],
    ['a header that is not base64', { headers: { authorization: 'Basic !!!' } }, REFUSED],
    ['another scheme', { headers: { authorization: 'Bearer web-app:app-secret' } }, REFUSED],
    ['no header', { headers: {} }, REFUSED],
  ])('client_secret_basic with %s → %s', (_what, request, expected) => {
    expect(verdict(BASIC, request)).toBe(expected);
  });

  it('client_secret_basic takes the id up to the first colon and the rest as the secret', () => {
    const config = { ...BASIC, clientSecret: 'with:colon' };
    expect(verdict(config, basic('web-app:with:colon'))).toBe('ok');
    expect(verdict(config, basic('web-app:with'))).toBe(REFUSED);
  });

  it('client_secret_basic reads only a header that is exactly the Basic scheme and the credentials', () => {
    const header = basic('web-app:app-secret').headers.authorization;
    expect(verdict(BASIC, { headers: { authorization: header.replace(' ', '  ') } })).toBe('ok');
    expect(verdict(BASIC, { headers: { authorization: `${header} \t` } })).toBe('ok');
    expect(verdict(BASIC, { headers: { authorization: `X${header}` } })).toBe(REFUSED);
    expect(verdict(BASIC, { headers: { authorization: `${header} extra` } })).toBe(REFUSED);
  });

  it('client_secret_basic refuses a credential without a colon, even one that would split into the right pair', () => {
    // Without the colon check, "web-app" would read as id "web-ap" and secret "web-app".
    const config = { ...BASIC, clientId: 'web-ap', clientSecret: 'web-app' };
    expect(verdict(config, basic('web-ap:web-app'))).toBe('ok');
    expect(verdict(config, basic('web-app'))).toBe(REFUSED);
  });

  it('client_secret_basic does not count credentials in the body', () => {
    expect(verdict(BASIC, { headers: {} }, { client_id: 'web-app', client_secret: 'app-secret' })).toBe(REFUSED);
  });

  it('says how to send the credentials, per method', () => {
    expect(() => authenticateClient(BASIC, { headers: {} }, undefined)).toThrow(/Authorization: Basic/);
    expect(() => authenticateClient(POST, { headers: {} }, undefined)).toThrow(
      /client_id and client_secret in the JSON body/,
    );
  });
});

describe('GenAuthAppIdGuard', () => {
  const contextOf = (headers: Record<string, unknown>) =>
    ({ switchToHttp: () => ({ getRequest: () => ({ headers }) }) }) as unknown as ExecutionContext;
  const guard = new GenAuthAppIdGuard({ ...BASE, appId: 'web-app' });

  it('lets through the app it is configured for, and anything when no appId is set', () => {
    expect(guard.canActivate(contextOf({ 'x-authing-app-id': 'web-app' }))).toBe(true);
    expect(new GenAuthAppIdGuard(BASE).canActivate(contextOf({}))).toBe(true);
  });

  it.each<[string, Record<string, unknown>]>([
    ['another app', { 'x-authing-app-id': 'other-app' }],
    ['an empty header', { 'x-authing-app-id': '' }],
    ['no header at all', {}],
    ['a prefix of the app id', { 'x-authing-app-id': 'web' }],
  ])('refuses %s with 403 QR_APP_ID_MISMATCH', (_what, headers) => {
    let refusal: any;
    try {
      guard.canActivate(contextOf(headers));
    } catch (error) {
      refusal = error;
    }
    expect(refusal?.getStatus()).toBe(403);
    expect(refusal?.code).toBe('QR_APP_ID_MISMATCH');
  });
});

describe('normalizeAuthorization', () => {
  it.each<[string | undefined, string | undefined]>([
    ['token-alice', 'Bearer token-alice'],
    ['  token-alice  ', 'Bearer token-alice'],
    ['Bearer token-alice', 'Bearer token-alice'],
    ['Basic abc=', 'Basic abc='],
    ['', ''],
    [undefined, undefined],
  ])('%j → %j', (given, expected) => {
    const request = { headers: given === undefined ? {} : { authorization: given } };
    normalizeAuthorization(request);
    expect(request.headers).toEqual(expected === undefined ? {} : { authorization: expected });
  });
});

describe('GenAuthAppUserGuard', () => {
  it('gives a bare token its scheme, then answers as the native app-user guard does', async () => {
    const seen: unknown[] = [];
    // The native guard's part: what it sees, and its answer.
    const native = {
      canActivate: async (context: ExecutionContext) => {
        const authorization = context.switchToHttp().getRequest().headers.authorization;
        seen.push(authorization);
        return authorization === 'Bearer token-alice';
      },
    } as unknown as QrLoginAppUserGuard;
    const guard = new GenAuthAppUserGuard(native);
    const contextOf = (authorization: string) => {
      const request = { headers: { authorization } };
      return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
    };
    await expect(guard.canActivate(contextOf('token-alice'))).resolves.toBe(true);
    await expect(guard.canActivate(contextOf('token-bob'))).resolves.toBe(false);
    expect(seen).toEqual(['Bearer token-alice', 'Bearer token-bob']);
  });
});
