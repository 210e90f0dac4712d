import type { INestApplication } from '@nestjs/common';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSampleApp } from '../support/sample-app';
import { newDpopKey } from '../support/dpop';
import { request } from '../support/http';
import { useChromium } from './support/browser';
import { useBuiltClient } from './support/build-client';

/*
 * The key-bound login in a real Chromium, against the sample: <qr-login-code>
 * makes a non-extractable P-256 key (asked of WebCrypto in the page), every
 * request of the login carries a proof by it, the session token the sample
 * issues is bound to it (`cnf.jkt`), and `/auth/me` takes that token only
 * with a proof by the same key: the token copied out of the page is refused.
 */

const STEP_MS = 10_000;
const TEST_MS = 60_000;
const TOKEN_KEY = 'qr-login-sample.access-token';

const chromium = useChromium();
const client = useBuiltClient();

/** What WebCrypto in the page says of the tab's DPoP key. A string: the test runner rewrites `import()` in functions. */
const KEY_FACTS = `import('/assets/client/index.mjs').then(async (m) => {
  const key = await m.qrLoginDpopKey();
  const exported = await crypto.subtle.exportKey('jwk', key.keys.privateKey).then(() => 'exported', (e) => e.name);
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', key.keys.publicKey);
  const canonical = new TextEncoder().encode(JSON.stringify({ crv, kty, x, y }));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', canonical));
  const jkt = btoa(String.fromCharCode(...digest)).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  return {
    extractable: key.keys.privateKey.extractable,
    algorithm: key.keys.privateKey.algorithm,
    exported,
    jkt,
    stored: sessionStorage.getItem('nestjs-qr-login.dpop-key') !== null,
  };
})`;

function claimsOf(token: string): any {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

async function appToken(url: string): Promise<string> {
  const login = await request(`${url}/auth/app/login`, { json: { username: 'alice', password: 'wonderland' } });
  expect(login.status).toBe(200);
  return login.body.access_token;
}

describe.each(['express', 'fastify'] as const)('a key-bound login in Chromium on %s', (adapter) => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startSampleApp({
      adapter,
      clientDir: client.dir,
      numberMatching: false,
    }));
  });

  afterAll(async () => {
    await app?.close();
  });

  it(
    'logs the element in with a non-extractable key, and /auth/me refuses its token without that key',
    async () => {
      const context = await chromium.newContext();
      context.setDefaultTimeout(STEP_MS);
      const desktop: Page = await context.newPage();
      await desktop.goto(`${url}/`);
      const image = desktop.locator('#qr img.qr-login-image');
      await expect.poll(() => image.getAttribute('data-qrcode-id'), { timeout: STEP_MS }).toMatch(/^[\w-]{27}$/);
      const facts = (await desktop.evaluate(KEY_FACTS)) as any;
      expect(facts).toMatchObject({
        extractable: false,
        algorithm: { name: 'ECDSA', namedCurve: 'P-256' },
        exported: 'InvalidAccessError',
        stored: true,
      });

      // The phone (the app's API, as the phone page calls it) scans by the user code and confirms.
      const userCode = (await desktop.locator('#qr .qr-login-short-code .qr-login-value').textContent())!;
      const phone = { authorization: `Bearer ${await appToken(url)}` };
      const scanned = await request(`${url}/qr-login/user-codes/scan`, { json: { userCode }, headers: phone });
      expect(scanned.status, JSON.stringify(scanned.body)).toBe(200);
      const qrcodeId = scanned.body.qrcodeId as string;
      expect(qrcodeId).toBe(await image.getAttribute('data-qrcode-id'));
      // The creator secret is useless here: the code answers its ticket to the key only.
      const confirmed = await request(`${url}/qr-login/qrcodes/${qrcodeId}/confirm`, { json: {}, headers: phone });
      expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);

      await desktop.waitForURL(`${url}/me`);
      await expect
        .poll(() => desktop.locator('#who').textContent(), { timeout: STEP_MS })
        .toBe('Signed in as Alice Liddell');
      const token = (await desktop.evaluate(`sessionStorage.getItem('${TOKEN_KEY}')`)) as string;
      // /me's page signed with the key it found in IndexedDB: the same key the login page made.
      expect(claimsOf(token).cnf).toEqual({ jkt: facts.jkt });

      // The token replayed from elsewhere, without the key: refused however it is sent.
      const bearer = await request(`${url}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
      expect([bearer.status, bearer.body.code]).toEqual([401, 'QR_DPOP_INVALID']);
      const thief = await newDpopKey();
      const proof = await thief.proof('GET', `${url}/auth/me`, { accessToken: token });
      const otherKey = await request(`${url}/auth/me`, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
      expect([otherKey.status, otherKey.body.code]).toEqual([401, 'QR_DPOP_KEY_MISMATCH']);

      // Proofs the page's key signed (it alone can): for another token, refused; for this one, good once.
      const sign = (accessToken: string) =>
        desktop.evaluate(
          `import('/assets/client/index.mjs').then((m) => m.qrLoginDpopProof('GET', '/auth/me', { accessToken: ${JSON.stringify(accessToken)} }))`,
        ) as Promise<string>;
      const dpopHeaders = async (accessToken: string) => ({
        authorization: `DPoP ${token}`,
        dpop: await sign(accessToken),
      });
      const otherToken = await request(`${url}/auth/me`, { headers: await dpopHeaders(`${token}x`) });
      expect([otherToken.status, otherToken.body.code]).toEqual([401, 'QR_DPOP_TOKEN_MISMATCH']);
      const rightful = await dpopHeaders(token);
      const me = await request(`${url}/auth/me`, { headers: rightful });
      expect([me.status, me.body.id]).toEqual([200, 'u-alice']);
      const replayed = await request(`${url}/auth/me`, { headers: rightful });
      expect([replayed.status, replayed.body.code]).toEqual([401, 'QR_DPOP_REPLAYED']);
      await context.close();
    },
    TEST_MS,
  );
});
