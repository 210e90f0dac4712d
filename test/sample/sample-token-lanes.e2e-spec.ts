import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSampleApp } from '../support/sample-app';
import { creatorHeader, request } from '../support/http';
import { STORE_KINDS } from '../support/stores';

/*
 * The sample's tokens stay in their lanes: web sessions (password login at
 * /auth/login, QR login's redeem), the phone app's tokens (/auth/app/login)
 * and the device grant's tokens carry different JWT audiences, and each is
 * accepted only where it belongs. Only an app token may scan, confirm or
 * cancel a code (appAuth); a phone token is no web session.
 */

/** The audience a JWT names (the sample's tokens are plain HS256 JWTs). */
function audienceOf(token: string): unknown {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).aud;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe.each(STORE_KINDS)('token lanes of the sample over the $name store', (kind) => {
  beforeAll(() => kind.setup());
  afterAll(() => kind.teardown());

  describe.each(['express', 'fastify'] as const)('on %s', (adapter) => {
    let app: INestApplication;
    let url: string;

    beforeAll(async () => {
      ({ app, url } = await startSampleApp({
        adapter,
        store: kind.make(),
      }));
    });
    afterAll(() => app?.close());

    const post = (path: string, json: unknown = {}, headers: Record<string, string> = {}) =>
      request(`${url}${path}`, { method: 'POST', json, headers });
    const get = (path: string, headers: Record<string, string> = {}) => request(`${url}${path}`, { headers });

    async function passwordLogin(path: '/auth/login' | '/auth/app/login', username = 'alice'): Promise<string> {
      const password = username === 'alice' ? 'wonderland' : 'builder';
      const login = await post(path, { username, password });
      expect(login.status).toBe(200);
      return login.body.access_token;
    }

    /** A QR login from start to redeem, approved with the phone token `phone`: the web session it gives. */
    async function qrLogin(phone: string, body: unknown = {}): Promise<string> {
      const created = await post('/qr-login/qrcodes', body);
      expect(created.status).toBe(201);
      const id = created.body.qrcodeId;
      expect((await post(`/qr-login/qrcodes/${id}/scan`, {}, bearer(phone))).status).toBe(200);
      const confirmed = await post(
        `/qr-login/qrcodes/${id}/confirm`,
        { matchCode: created.body.matchCode },
        bearer(phone),
      );
      expect(confirmed.status).toBe(200);
      const ticket = (await get(`/qr-login/qrcodes/${id}`, creatorHeader(created))).body.ticket;
      const login = await post('/qr-login/login', { ticket }, creatorHeader(created));
      expect(login.status).toBe(200);
      return login.body.access_token;
    }

    /** A device flow approved with the phone token `phone`: the device's access token. */
    async function deviceToken(phone: string): Promise<string> {
      const form = (path: string, fields: Record<string, string>) =>
        request(`${url}/qr-login/${path}`, {
          method: 'POST',
          body: new URLSearchParams(fields).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
      const started = await form('device_authorization', { client_id: 'sample-device' });
      expect(started.status).toBe(200);
      // Typed on the phone (no pick owed); a device flow is confirmed by its user code, never by id.
      const userCode = started.body.user_code;
      const scanned = await post('/qr-login/user-codes/scan', { userCode, entry: 'typed' }, bearer(phone));
      expect(scanned.status).toBe(200);
      expect((await post('/qr-login/user-codes/confirm', { userCode }, bearer(phone))).status).toBe(200);
      const token = await form('token', {
        client_id: 'sample-device',
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: started.body.device_code,
      });
      expect(token.status).toBe(200);
      return token.body.access_token;
    }

    /** Every phone action on a fresh code with `token`: the statuses and error codes answered. */
    async function phoneActionsWith(token: string) {
      const created = await post('/qr-login/qrcodes');
      const id = created.body.qrcodeId;
      const answers = [];
      for (const action of ['scan', 'confirm', 'cancel']) {
        const reply = await post(
          `/qr-login/qrcodes/${id}/${action}`,
          { matchCode: created.body.matchCode },
          bearer(token),
        );
        answers.push([reply.status, reply.body.code]);
      }
      const typed = await post('/qr-login/user-codes/scan', { userCode: created.body.userCode }, bearer(token));
      answers.push([typed.status, typed.body.code]);
      // Nothing happened to the code.
      expect((await get(`/qr-login/qrcodes/${id}`)).body.status).toBe('PENDING');
      return answers;
    }

    const REFUSED = Array(4).fill([401, 'QR_APP_USER_UNAUTHENTICATED']);

    it('gives each lane its own audience', async () => {
      const phone = await passwordLogin('/auth/app/login');
      expect(audienceOf(phone)).toBe('sample-app');
      expect(audienceOf(await passwordLogin('/auth/login'))).toBe('sample-web');
      expect(audienceOf(await qrLogin(phone))).toBe('sample-web');
      expect(audienceOf(await deviceToken(phone))).toBe('sample-device');
    });

    it("picks the lane from the record's flow: a page's own context cannot claim a device token", async () => {
      const phone = await passwordLogin('/auth/app/login');
      const claimed = { context: { deviceGrant: { clientId: 'sample-device' } } };
      expect(audienceOf(await qrLogin(phone, claimed))).toBe('sample-web');
    });

    it('lets a phone token scan and confirm, and see itself at /auth/app/me', async () => {
      const phone = await passwordLogin('/auth/app/login', 'bob');
      expect((await get('/auth/app/me', bearer(phone))).body).toMatchObject({ username: 'bob' });
      // qrLogin scans and confirms with it; the session it gives is bob's.
      const web = await qrLogin(phone);
      expect((await get('/auth/me', bearer(web))).body).toMatchObject({ username: 'bob' });
    });

    it('refuses a web session from a QR login on every phone route', async () => {
      const web = await qrLogin(await passwordLogin('/auth/app/login'));
      expect(await phoneActionsWith(web)).toEqual(REFUSED);
      expect((await get('/auth/app/me', bearer(web))).status).toBe(401);
    });

    it('refuses a web session from the password login on every phone route', async () => {
      const web = await passwordLogin('/auth/login');
      expect((await get('/auth/me', bearer(web))).body).toMatchObject({ username: 'alice' });
      expect(await phoneActionsWith(web)).toEqual(REFUSED);
    });

    it('refuses a device-grant token on every phone route and as a web session', async () => {
      const device = await deviceToken(await passwordLogin('/auth/app/login'));
      expect(await phoneActionsWith(device)).toEqual(REFUSED);
      expect((await get('/auth/me', bearer(device))).status).toBe(401);
      expect((await get('/auth/app/me', bearer(device))).status).toBe(401);
    });

    it('refuses a phone token as a web session', async () => {
      const phone = await passwordLogin('/auth/app/login');
      const me = await get('/auth/me', bearer(phone));
      expect(me.status).toBe(401);
      expect(me.body.username).toBeUndefined();
    });
  });
});
