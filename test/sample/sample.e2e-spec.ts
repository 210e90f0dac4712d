import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryQrLoginStore } from '../../lib';
import { startSampleApp } from '../support/sample-app';
import { openSse, statusesOf } from '../support/sse';
import { useBuiltClient } from '../browser/support/build-client';

// The pages load the browser client; this file serves a fresh build of it.
const builtClient = useBuiltClient();

interface Reply {
  status: number;
  contentType: string | null;
  headers: Headers;
  body: any;
  text: string;
}

function client(base: string) {
  return async function request(
    method: string,
    path: string,
    options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      headers: response.headers,
      body,
      text,
    };
  };
}

/** `name=value` pairs of every Set-Cookie, as a browser would send them back. */
function cookieHeaderOf(headers: Headers): string {
  return headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .join('; ');
}

describe.each(['express', 'fastify'] as const)('sample app on %s', (adapter) => {
  let app: INestApplication;
  let url: string;
  let request: ReturnType<typeof client>;

  beforeAll(async () => {
    ({ app, url } = await startSampleApp({
      adapter,
      clientDir: builtClient.dir,
    }));
    request = client(url);
  });

  afterAll(async () => {
    await app?.close();
  });

  describe('pages', () => {
    it.each([
      ['/', 'index.js', 'id="qr"'],
      ['/phone', 'phone.js', 'id="scan-btn"'],
      ['/me', 'me.js', 'id="who"'],
    ])('GET %s is an HTML page that loads its script', async (path, script, marker) => {
      const page = await request('GET', path);
      expect(page.status).toBe(200);
      expect(page.contentType).toMatch(/^text\/html; charset=utf-8/i);
      expect(page.text).toContain('<!doctype html>');
      expect(page.text).toContain(marker);
      expect(page.text).toContain(`src="/assets/${script}"`);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    });

    it('serves every asset the pages reference, and every module those import, with its content type', async () => {
      const referenced = new Set<string>();
      for (const path of ['/', '/phone', '/me']) {
        const page = await request('GET', path);
        for (const match of page.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) referenced.add(match[1]);
      }
      expect([...referenced].sort()).toEqual([
        '/assets/index.js',
        '/assets/me.js',
        '/assets/phone.js',
        '/assets/style.css',
      ]);
      // Follow the ES module imports too: the page script imports the client, the client its chunks.
      const queue = [...referenced];
      const served: string[] = [];
      while (queue.length) {
        const path = queue.shift()!;
        const asset = await request('GET', path);
        served.push(path);
        expect(asset.status, path).toBe(200);
        expect(asset.contentType, path).toMatch(path.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
        expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
        expect(asset.text.length).toBeGreaterThan(100);
        for (const match of asset.text.matchAll(/^(?:import|export) [^;]*? from ['"]([^'"]+)['"];$/gm)) {
          const target = new URL(match[1], `${url}${path}`).pathname;
          if (!served.includes(target) && !queue.includes(target)) queue.push(target);
        }
      }
      // The client is bundled: one module per entry (with shared chunks beside it, when there are any).
      expect(served).toEqual(expect.arrayContaining(['/assets/index.js', '/assets/client/index.mjs']));
    });

    it('answers 404 for unknown assets and for pages under /assets', async () => {
      expect((await request('GET', '/assets/nope.js')).status).toBe(404);
      expect((await request('GET', '/assets/index.html')).status).toBe(404);
      expect((await request('GET', '/assets/..%2Fpackage.json')).status).toBe(404);
      expect((await request('GET', '/assets/client/nope.mjs')).status).toBe(404);
      expect((await request('GET', '/assets/client/..%2F..%2Fpackage.json')).status).toBe(404);
    });
  });

  describe('password login (a web session)', () => {
    it('refuses a wrong password with 401 JSON', async () => {
      const reply = await request('POST', '/auth/login', { body: { username: 'alice', password: 'looking-glass' } });
      expect(reply.status).toBe(401);
      expect(reply.contentType).toMatch(/application\/json/);
      expect(reply.body).toMatchObject({ statusCode: 401, message: 'Wrong username or password.' });
      expect(reply.body.access_token).toBeUndefined();
    });

    it('refuses an unknown user with 401', async () => {
      const reply = await request('POST', '/auth/login', { body: { username: 'carol', password: 'wonderland' } });
      expect(reply.status).toBe(401);
    });

    it('validates the body', async () => {
      const missing = await request('POST', '/auth/login', { body: { username: 'alice' } });
      expect(missing.status).toBe(400);
      expect(JSON.stringify(missing.body.message)).toContain('password');
      const wrongType = await request('POST', '/auth/login', { body: { username: 'alice', password: 42 } });
      expect(wrongType.status).toBe(400);
    });

    it('logs alice in and /auth/me answers who she is', async () => {
      const login = await request('POST', '/auth/login', { body: { username: 'alice', password: 'wonderland' } });
      expect(login.status).toBe(200);
      expect(login.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
      expect(login.body.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      const me = await request('GET', '/auth/me', { token: login.body.access_token });
      expect(me.status).toBe(200);
      expect(me.body).toEqual({ id: 'u-alice', username: 'alice', displayName: 'Alice Liddell' });
    });

    it('logs bob in as bob', async () => {
      const login = await request('POST', '/auth/login', { body: { username: 'bob', password: 'builder' } });
      const me = await request('GET', '/auth/me', { token: login.body.access_token });
      expect(me.body).toEqual({ id: 'u-bob', username: 'bob', displayName: 'Bob the Builder' });
    });

    it('guards /auth/me', async () => {
      expect((await request('GET', '/auth/me')).status).toBe(401);
      expect((await request('GET', '/auth/me', { token: 'not-a-jwt' })).status).toBe(401);
    });
  });

  describe('scan-to-login through HTTP', () => {
    /** The phone app's token (the only kind the phone routes accept). */
    async function tokenOf(username: string, password: string): Promise<string> {
      const login = await request('POST', '/auth/app/login', { body: { username, password } });
      expect(login.status).toBe(200);
      return login.body.access_token;
    }

    it('logs the web page in as the user who confirmed on the phone', async () => {
      const created = await request('POST', '/qr-login/qrcodes', { body: {} });
      expect(created.status).toBe(201);
      const { qrcodeId, payload, url: image, creatorSecret } = created.body;
      expect(image).toMatch(/^data:image\/svg\+xml/);
      expect(payload).toBe(`${url}/phone?code=${encodeURIComponent(qrcodeId)}`);
      expect(new URL(payload).searchParams.get('code')).toBe(qrcodeId);
      const cookie = cookieHeaderOf(created.headers);
      expect(cookie).toMatch(/^qr_login_secret_[\w-]+=[\w-]+$/);

      const events = await openSse(`${url}/qr-login/qrcodes/${qrcodeId}/events`, { cookie });
      try {
        expect(events.contentType).toMatch(/^text\/event-stream/);
        await events.waitForEvents(1);

        const alice = await tokenOf('alice', 'wonderland');
        const scan = await request('POST', `/qr-login/qrcodes/${qrcodeId}/scan`, { token: alice });
        expect(scan.status).toBe(200);
        expect(scan.body.status).toBe('SCANNED');
        // Number matching is on in the sample: the phone picks the page's number among three.
        expect(created.body.matchCode).toMatch(/^\d{2}$/);
        expect(scan.body.matchChoices).toHaveLength(3);
        expect(scan.body.matchChoices).toContain(created.body.matchCode);
        expect(scan.body.requester).toMatchObject({ appName: 'nestjs-qr-login sample', ip: expect.any(String) });
        expect(scan.body.requester.userAgent).toEqual(expect.any(String));
        expect(Date.parse(scan.body.requester.createdAt)).not.toBeNaN();

        const scanned = JSON.parse((await events.waitForEvents(2))[1].data);
        expect(scanned.status).toBe('SCANNED');
        expect(scanned.briefUserInfo.displayName).toBe('Alice Liddell');
        expect(scanned.briefUserInfo.photo).toMatch(/^data:image\/svg\+xml;charset=utf-8,/);
        expect(decodeURIComponent(scanned.briefUserInfo.photo)).toContain('>A</text>');

        const unmatched = await request('POST', `/qr-login/qrcodes/${qrcodeId}/confirm`, { token: alice });
        expect(unmatched.status).toBe(400);
        expect(unmatched.body.code).toBe('QR_MATCH_REQUIRED');
        const confirm = await request('POST', `/qr-login/qrcodes/${qrcodeId}/confirm`, {
          token: alice,
          body: { matchCode: created.body.matchCode },
        });
        expect(confirm.status).toBe(200);
        expect(confirm.body.status).toBe('AUTHORIZED');
        expect(confirm.body.ticket).toBeUndefined();

        const authorized = JSON.parse((await events.waitForEvents(3))[2].data);
        expect(authorized.status).toBe('AUTHORIZED');
        expect(authorized.ticket).toEqual(expect.any(String));
        await events.ended;
        expect(statusesOf(events)).toEqual(['PENDING', 'SCANNED', 'AUTHORIZED']);

        const strangerView = await request('GET', `/qr-login/qrcodes/${qrcodeId}`);
        expect(strangerView.body.status).toBe('AUTHORIZED');
        expect(strangerView.body.ticket).toBeUndefined();
        const creatorView = await request('GET', `/qr-login/qrcodes/${qrcodeId}`, { headers: { cookie } });
        expect(creatorView.body).toMatchObject({ status: 'AUTHORIZED', ticket: authorized.ticket });
        const headerView = await request('GET', `/qr-login/qrcodes/${qrcodeId}`, {
          headers: { 'x-qr-login-secret': creatorSecret },
        });
        expect(headerView.body.ticket).toBe(authorized.ticket);

        const withoutProof = await request('POST', '/qr-login/login', { body: { ticket: authorized.ticket } });
        expect(withoutProof.status).toBe(401);

        const login = await request('POST', '/qr-login/login', {
          body: { ticket: authorized.ticket },
          headers: { cookie },
        });
        expect(login.status).toBe(200);
        expect(login.body).toMatchObject({
          token_type: 'Bearer',
          expires_in: 3600,
          user: { id: 'u-alice', username: 'alice', displayName: 'Alice Liddell' },
        });
        const me = await request('GET', '/auth/me', { token: login.body.access_token });
        expect(me.status).toBe(200);
        expect(me.body).toEqual({ id: 'u-alice', username: 'alice', displayName: 'Alice Liddell' });

        const again = await request('POST', '/qr-login/login', {
          body: { ticket: authorized.ticket },
          headers: { cookie },
        });
        expect(again.status).toBe(401);
      } finally {
        events.close();
      }
    });

    it('redeems with the x-qr-login-secret header instead of the cookie', async () => {
      const created = await request('POST', '/qr-login/qrcodes', { body: {} });
      const { qrcodeId, creatorSecret, matchCode } = created.body;
      const bob = await tokenOf('bob', 'builder');
      expect((await request('POST', `/qr-login/qrcodes/${qrcodeId}/scan`, { token: bob })).status).toBe(200);
      expect(
        (await request('POST', `/qr-login/qrcodes/${qrcodeId}/confirm`, { token: bob, body: { matchCode } })).status,
      ).toBe(200);
      const headers = { 'x-qr-login-secret': creatorSecret };
      const view = await request('GET', `/qr-login/qrcodes/${qrcodeId}`, { headers });
      const login = await request('POST', '/qr-login/login', { body: { ticket: view.body.ticket }, headers });
      expect(login.status).toBe(200);
      const me = await request('GET', '/auth/me', { token: login.body.access_token });
      expect(me.body.username).toBe('bob');
    });

    it('lets the phone cancel, and the web page sees CANCELLED', async () => {
      const created = await request('POST', '/qr-login/qrcodes', { body: {} });
      const { qrcodeId } = created.body;
      const alice = await tokenOf('alice', 'wonderland');
      await request('POST', `/qr-login/qrcodes/${qrcodeId}/scan`, { token: alice });
      const cancel = await request('POST', `/qr-login/qrcodes/${qrcodeId}/cancel`, { token: alice });
      expect(cancel.status).toBe(200);
      expect(cancel.body.status).toBe('CANCELLED');
      const view = await request('GET', `/qr-login/qrcodes/${qrcodeId}`);
      expect(view.body.status).toBe('CANCELLED');
    });

    it('authenticates the phone side with the app JWT strategy', async () => {
      const created = await request('POST', '/qr-login/qrcodes', { body: {} });
      const { qrcodeId } = created.body;
      const anonymous = await request('POST', `/qr-login/qrcodes/${qrcodeId}/scan`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.code).toBe('QR_APP_USER_UNAUTHENTICATED');
      const forged = await request('POST', `/qr-login/qrcodes/${qrcodeId}/scan`, {
        token: 'eyJhbGciOiJIUzI1NiJ9.e30.x',
      });
      expect(forged.status).toBe(401);
      const alice = await tokenOf('alice', 'wonderland');
      const bob = await tokenOf('bob', 'builder');
      expect((await request('POST', `/qr-login/qrcodes/${qrcodeId}/scan`, { token: alice })).status).toBe(200);
      const notScanner = await request('POST', `/qr-login/qrcodes/${qrcodeId}/confirm`, { token: bob });
      expect(notScanner.status).toBe(403);
      expect(notScanner.body.code).toBe('QR_NOT_SCANNER');
    });
  });
});

describe('sample app options', () => {
  it('puts the given public URL into the QR payload', async () => {
    const { app, url } = await startSampleApp({
      adapter: 'express',
      publicUrl: 'https://qr.example.test/',
      clientDir: builtClient.dir,
    });
    try {
      const response = await fetch(`${url}/qr-login/qrcodes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const { qrcodeId, payload } = await response.json();
      expect(payload).toBe(`https://qr.example.test/phone?code=${encodeURIComponent(qrcodeId)}`);
    } finally {
      await app.close();
    }
  });

  it('keeps codes in the store it is given', async () => {
    const store = new MemoryQrLoginStore();
    const { app, url } = await startSampleApp({
      adapter: 'fastify',
      store,
      clientDir: builtClient.dir,
    });
    try {
      const response = await fetch(`${url}/qr-login/qrcodes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const { qrcodeId } = await response.json();
      expect((await store.get(qrcodeId))?.status).toBe('PENDING');
    } finally {
      await app.close();
    }
  });

  // One app at a time: passport keeps strategies in a process-wide registry,
  // so the app created last would answer for 'jwt' in all of them.
  it('accepts tokens signed with the configured JWT secret only', async () => {
    async function withApp<T>(jwtSecret: string | undefined, run: (url: string) => Promise<T>): Promise<T> {
      const { app, url } = await startSampleApp({
        adapter: 'express',
        jwtSecret,
        clientDir: builtClient.dir,
      });
      try {
        return await run(url);
      } finally {
        await app.close();
      }
    }
    const authorization = await withApp('shared-secret', async (url) => {
      const login = await fetch(`${url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'wonderland' }),
      });
      return `Bearer ${(await login.json()).access_token}`;
    });
    const sameSecret = await withApp(
      'shared-secret',
      async (url) => (await fetch(`${url}/auth/me`, { headers: { authorization } })).status,
    );
    const randomSecret = await withApp(
      undefined,
      async (url) => (await fetch(`${url}/auth/me`, { headers: { authorization } })).status,
    );
    expect(sameSecret).toBe(200);
    expect(randomSecret).toBe(401);
  });
});
