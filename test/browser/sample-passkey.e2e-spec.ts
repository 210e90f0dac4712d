import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleApp } from '../../sample/sample.app';
import { request } from '../support/http';
import { screenshotPath, useChromium } from './support/browser';
import { useBuiltClient } from './support/build-client';
import { freePort } from './support/phone-passkey';

/*
 * The sample's phone page with passkeys on (its public URL is on localhost):
 * after the password login the phone registers a passkey in its virtual
 * authenticator, and the confirm screen says why the passkey is asked and
 * signs with it. In English on Express, in Simplified Chinese on Fastify.
 */

const CASES = [
  { adapter: 'express', lang: 'en', user: 'alice', password: 'wonderland', why: /copied off this phone/ },
  { adapter: 'fastify', lang: 'zh-CN', user: 'bob', password: 'builder', why: /复制/ },
] as const;
const STEP_MS = 15_000;

const chromium = useChromium();
const client = useBuiltClient();
describe.each(CASES)('the sample asks for the passkey on every confirm ($adapter, $lang)', (only) => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://localhost:${port}`;
    ({ app } = await createSampleApp({
      adapter: only.adapter,
      port,
      host: '127.0.0.1',
      publicUrl: url,
      logger: false,
      clientDir: client.dir,
    }));
  }, 60_000);
  afterAll(() => app?.close());

  it('registers a passkey after the password login, explains it on the confirm screen and approves with it', async () => {
    const context = await chromium.newContext();
    context.setDefaultTimeout(STEP_MS);
    const phone = await context.newPage();
    const cdp = await context.newCDPSession(phone);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    await phone.goto(`${url}/phone?lang=${only.lang}`);
    await phone.fill('#username', only.user);
    await phone.fill('#password', only.password);
    await phone.click('#login-btn');
    const registered = only.lang === 'en' ? 'A passkey is set up' : '已设置通行密钥';
    await expect.poll(() => phone.locator('#passkey-note').textContent(), { timeout: STEP_MS }).toContain(registered);

    const created = await request(`${url}/qr-login/qrcodes`, { json: {}, headers: { origin: url } });
    expect(created.status).toBe(201);
    await phone.fill('#code', created.body.userCode);
    await phone.click('#scan-btn');
    await phone.locator('#confirm-section').waitFor({ state: 'visible' });
    expect(await phone.locator('#passkey-why').isVisible()).toBe(true);
    expect(await phone.locator('#passkey-why').textContent()).toMatch(only.why);
    await phone.locator('#match-choices label', { hasText: created.body.matchCode }).click();
    await phone.screenshot({ path: screenshotPath(`${only.adapter}-passkey-confirm-${only.lang}`), fullPage: true });
    await phone.click('#confirm-btn');
    await expect.poll(() => phone.locator('#status').textContent(), { timeout: STEP_MS }).toContain('Confirmed');
    const status = await request(`${url}/qr-login/qrcodes/${created.body.qrcodeId}`, {
      headers: { 'x-qr-login-secret': created.body.creatorSecret },
    });
    expect(status.body.status).toBe('AUTHORIZED');
  }, 60_000);

  it("refuses the user's app token alone: a confirm without the passkey", async () => {
    const login = await request(`${url}/auth/app/login`, { json: { username: only.user, password: only.password } });
    const bearer = { authorization: `Bearer ${login.body.access_token}` };
    const created = await request(`${url}/qr-login/qrcodes`, { json: {}, headers: { origin: url } });
    const id = created.body.qrcodeId;
    expect((await request(`${url}/qr-login/qrcodes/${id}/scan`, { method: 'POST', headers: bearer })).status).toBe(200);
    const refused = await request(`${url}/qr-login/qrcodes/${id}/confirm`, {
      json: { matchCode: created.body.matchCode },
      headers: bearer,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('QR_PASSKEY_REQUIRED');
  });
});
