import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import { resolveQrLoginConfig } from '../kernel/qr-login.config';
import type { QrLoginModuleOptions } from '../qr-login.module-options';
import { hashSecret } from '../kernel/qr-login.ids';
import { creatorCookieName, creatorSecretsOf, headerOf, ipOf, setCreatorCookie } from './qr-login.request';

/*
 * How a request is read on either adapter: one header value, the client
 * address the adapter settled on (after its trust-proxy rules), the creator
 * secrets a request carries, and the creator cookie a new code sets. Requests
 * are shaped like Express's and Fastify's; responses are Node's own, with
 * Express's response methods where Express would add them.
 */

function configOf(options: Partial<QrLoginModuleOptions> = {}) {
  return resolveQrLoginConfig({ appAuth: { resolveUser: () => null }, ...options } as QrLoginModuleOptions);
}

const CONFIG = configOf();
const SECRET = 'creator-secret-of-this-tab';
const COOKIE = creatorCookieName(CONFIG, hashSecret(SECRET));

describe('headerOf', () => {
  it('reads a header as one string: the first of a repeated one, nothing for other shapes', () => {
    expect(headerOf({ headers: { origin: 'https://a.example' } }, 'origin')).toBe('https://a.example');
    expect(headerOf({ headers: { 'x-forwarded-for': ['10.0.0.1', '10.0.0.2'] } }, 'x-forwarded-for')).toBe('10.0.0.1');
    expect(headerOf({ headers: { origin: 42 } }, 'origin')).toBeUndefined();
    expect(headerOf({ headers: {} }, 'origin')).toBeUndefined();
    expect(headerOf({ headers: { origin: '' } }, 'origin')).toBe('');
  });

  it('reads nothing from a request without headers, or no request at all', () => {
    expect(headerOf({}, 'origin')).toBeUndefined();
    expect(headerOf(undefined, 'origin')).toBeUndefined();
    expect(headerOf(null, 'origin')).toBeUndefined();
  });
});

describe('ipOf', () => {
  it("takes the adapter's address (Express req.ip, Fastify request.ip) over the socket's", () => {
    // Behind a trusted proxy the adapter's ip is the forwarded client, not the proxy on the socket.
    expect(ipOf({ ip: '203.0.113.7', socket: { remoteAddress: '10.0.0.1' } })).toBe('203.0.113.7');
  });

  it("falls back to the socket's address when the adapter names none", () => {
    expect(ipOf({ socket: { remoteAddress: '10.0.0.1' } })).toBe('10.0.0.1');
    expect(ipOf({ ip: undefined, socket: { remoteAddress: '::1' } })).toBe('::1');
  });

  it('names no address for a request with neither, nor for no request', () => {
    expect(ipOf({})).toBeUndefined();
    expect(ipOf({ socket: {} })).toBeUndefined();
    expect(ipOf(undefined)).toBeUndefined();
  });
});

describe('creatorCookieName', () => {
  it("is the cookie name, an underscore and the first 12 characters of the secret's hash", () => {
    const hash = hashSecret(SECRET);
    expect(creatorCookieName(CONFIG, hash)).toBe(`qr_login_secret_${hash.slice(0, 12)}`);
    expect(creatorCookieName(configOf({ cookie: { name: 'sid' } }), 'abcdefghijklmnopq')).toBe('sid_abcdefghijkl');
  });
});

describe('creatorSecretsOf', () => {
  it('reads the x-qr-login-secret header', () => {
    expect(creatorSecretsOf({ headers: { 'x-qr-login-secret': SECRET } }, CONFIG)).toEqual([SECRET]);
  });

  it('reads every creator cookie, after the header', () => {
    const request = {
      headers: {
        'x-qr-login-secret': 'from-header',
        cookie: `${COOKIE}=${SECRET}; qr_login_secret_0123456789ab=other-tab`,
      },
    };
    expect(creatorSecretsOf(request, CONFIG)).toEqual(['from-header', SECRET, 'other-tab']);
  });

  it("ignores the app's other cookies, a cookie named like the prefix without its underscore, and empty values", () => {
    const cookie = [
      'session=app-session',
      'qr_login_secret=no-underscore',
      'x_qr_login_secret_0123456789ab=ends-like-one',
      'qr_login_secret_0123456789ab=',
      `${COOKIE}=${SECRET}`,
    ].join('; ');
    expect(creatorSecretsOf({ headers: { cookie } }, CONFIG)).toEqual([SECRET]);
  });

  it('counts an empty header as no secret', () => {
    expect(creatorSecretsOf({ headers: { 'x-qr-login-secret': '' } }, CONFIG)).toEqual([]);
  });

  it('reads nothing from a request without the header or cookies', () => {
    expect(creatorSecretsOf({ headers: {} }, CONFIG)).toEqual([]);
    expect(creatorSecretsOf({ headers: { cookie: '' } }, CONFIG)).toEqual([]);
    expect(creatorSecretsOf(undefined, CONFIG)).toEqual([]);
  });

  it('follows a configured cookie name', () => {
    const config = configOf({ cookie: { name: 'sid' } });
    const request = { headers: { cookie: `sid_abc=mine; ${COOKIE}=default-named` } };
    expect(creatorSecretsOf(request, config)).toEqual(['mine']);
  });
});

/** A response of each adapter, real Node objects; `cookies()` reads what was set. */
const EXPRESS = new ExpressAdapter();

function responses(): Array<[string, AbstractHttpAdapter, () => { response: unknown; cookies: () => string[] }]> {
  const native = () => {
    const request = new IncomingMessage(new Socket());
    return { request, response: new ServerResponse(request) };
  };
  return [
    [
      'express',
      EXPRESS,
      () => {
        const { request, response } = native();
        // The prototype Express gives its responses (append, set, json…), as its adapter's app would.
        const expressResponse = Object.setPrototypeOf(response, EXPRESS.getInstance().response) as ServerResponse;
        Object.assign(expressResponse, { req: request });
        return {
          response: expressResponse,
          cookies: () => [response.getHeader('set-cookie') ?? []].flat().map(String),
        };
      },
    ],
    [
      'fastify',
      new FastifyAdapter(),
      () => {
        const { response } = native();
        return { response, cookies: () => [response.getHeader('set-cookie') ?? []].flat().map(String) };
      },
    ],
  ];
}

describe.each(responses())('setCreatorCookie on %s', (_name, adapter, newResponse) => {
  /** The attributes of the one cookie set, lower-cased names; the first entry is name=value. */
  function setCookie(request: unknown, config = CONFIG, secret = SECRET): string[] {
    const { response, cookies } = newResponse();
    setCreatorCookie(adapter, request, response, config, secret);
    const set = cookies();
    expect(set).toHaveLength(1);
    return set[0]!.split('; ');
  }

  it('sets an HttpOnly cookie named for the secret, holding it, for as long as the code and its ticket live', () => {
    // 60.2 s + 30.2 s = 90.4 s: rounded up, so the cookie never dies before the ticket.
    const config = configOf({ qrCodeTtl: 60.2, ticketTtl: 30.2 });
    expect(setCookie({ protocol: 'http' }, config)).toEqual([
      `${COOKIE}=${SECRET}`,
      'Max-Age=91',
      'Path=/',
      'HttpOnly',
      'SameSite=Lax',
    ]);
  });

  it('keeps the cookies of two codes apart', () => {
    const { response, cookies } = newResponse();
    setCreatorCookie(adapter, {}, response, CONFIG, 'first');
    setCreatorCookie(adapter, {}, response, CONFIG, 'second');
    expect(cookies().map((c) => c.split('; ')[0])).toEqual([
      `${creatorCookieName(CONFIG, hashSecret('first'))}=first`,
      `${creatorCookieName(CONFIG, hashSecret('second'))}=second`,
    ]);
  });

  it('follows the configured name, path and SameSite', () => {
    const config = configOf({ cookie: { name: 'sid', path: '/auth', sameSite: 'strict' } });
    const cookie = setCookie({}, config);
    expect(cookie[0]).toBe(`${creatorCookieName(config, hashSecret(SECRET))}=${SECRET}`);
    expect(cookie[0]!.startsWith('sid_')).toBe(true);
    expect(cookie).toContain('Path=/auth');
    expect(cookie).toContain('SameSite=Strict');
  });

  it("with secure 'auto', is Secure over HTTPS as the adapter reports it (protocol or TLS socket) only", () => {
    expect(setCookie({ protocol: 'https' })).toContain('Secure');
    expect(setCookie({ protocol: 'http', socket: { encrypted: true } })).toContain('Secure');
    expect(setCookie({ protocol: 'http', socket: { encrypted: false } })).not.toContain('Secure');
    expect(setCookie({ protocol: 'http', socket: {} })).not.toContain('Secure');
    expect(setCookie({})).not.toContain('Secure');
    expect(setCookie(undefined)).not.toContain('Secure');
  });

  it('with secure set, follows it whatever the request', () => {
    expect(setCookie({ protocol: 'http' }, configOf({ cookie: { secure: true } }))).toContain('Secure');
    expect(setCookie({ protocol: 'https' }, configOf({ cookie: { secure: false } }))).not.toContain('Secure');
  });
});
