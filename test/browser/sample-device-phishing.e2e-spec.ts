import type { INestApplication } from '@nestjs/common';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QrLoginService } from '../../lib';
import { startSampleApp } from '../support/sample-app';
import { request } from '../support/http';
import { startDeviceAuthorization } from '../support/device-grant';
import { useChromium } from './support/browser';
import { useBuiltClient } from './support/build-client';

/*
 * Device-flow phishing (RFC 8628 §5.4) against the sample as shipped (number
 * matching on), in a real Chromium: an attacker starts a device flow for the
 * public client and sends the victim its verification_uri_complete. The
 * phone page opened by that link acts on nothing: it names the device and
 * waits for a tap; after the tap it asks for the code on the device's
 * screen, which the victim cannot see, and a wrong pick cancels the flow.
 * A user in front of the device types its code, confirms, and the device
 * (plain HTTP polling of the token endpoint) gets its token.
 */

const PHONE_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36';
const STEP_MS = 10_000;
const TEST_MS = 60_000;
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
const WARNING_EN =
  'You are signing in a device: Sample TV. Continue only if you started this on a screen in front of you.';
const WARNING_ZH = '你正在登录一台设备：Sample TV。只有当这是你在面前的屏幕上发起的，才继续。';

const chromium = useChromium();
const client = useBuiltClient();

/** A phone logged in as alice on the simulator page. */
async function openPhone(url: string): Promise<Page> {
  const context = await chromium.newContext({ userAgent: PHONE_UA, viewport: { width: 480, height: 900 } });
  context.setDefaultTimeout(STEP_MS);
  context.setDefaultNavigationTimeout(STEP_MS);
  // Only the sample on loopback.
  await context.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => route.abort());
  const phone = await context.newPage();
  await phone.goto(`${url}/phone`);
  await phone.fill('#username', 'alice');
  await phone.fill('#password', 'wonderland');
  await phone.click('#login-btn');
  await phone.locator('#phone-user').waitFor({ state: 'visible' });
  return phone;
}

describe.each(['express', 'fastify'] as const)('a phished device link on the sample phone page (%s)', (adapter) => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startSampleApp({
      adapter,
      clientDir: client.dir,
    }));
  });
  afterAll(() => app?.close());

  /** The device (or the attacker posing as one): a fresh device flow for the sample's public client. */
  async function startDevice(): Promise<{
    device_code: string;
    user_code: string;
    verification_uri_complete: string;
  }> {
    const started = await startDeviceAuthorization(url, 'sample-device');
    expect(started.status).toBe(200);
    return started.body;
  }

  const poll = (deviceCode: string) =>
    request(`${url}/qr-login/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: 'sample-device',
        grant_type: GRANT_TYPE,
        device_code: deviceCode,
      }).toString(),
    });

  /** The flow's status as the server holds it (the test may ask the kernel; a phone may not). */
  async function statusOf(userCode: string): Promise<{ status: string; cancelReason?: string }> {
    const kernel = app.get(QrLoginService);
    return kernel.getStatus(await kernel.resolveUserCode(userCode));
  }

  it(
    'opens a confirm screen naming the device, not a scan; a wrong pick cancels; typing the code confirms and the device gets its token',
    async () => {
      // The attacker's flow, and the link they send.
      const phished = await startDevice();
      expect(phished.verification_uri_complete).toBe(`${url}/phone?user_code=${phished.user_code}`);
      const phone = await openPhone(url);
      await phone.goto(phished.verification_uri_complete);

      // The page names the device and waits: nothing was scanned by opening the link.
      await phone.locator('#link-section').waitFor({ state: 'visible' });
      expect(await phone.locator('#link-what').textContent()).toBe(WARNING_EN);
      expect(await phone.locator('#confirm-section').isHidden()).toBe(true);
      expect((await statusOf(phished.user_code)).status).toBe('PENDING');
      // The link's code is nowhere on the page: the pick must come from the device's own screen.
      const shown = (await phone.locator('body').innerText()) + (await phone.locator('#code').inputValue());
      expect(shown).not.toContain(phished.user_code);

      // A tap takes it up, as a link's: the device is named again and its code is to be picked among decoys.
      await phone.click('#link-continue-btn');
      await phone.locator('#confirm-section').waitFor({ state: 'visible' });
      expect(await phone.locator('#device-warning').textContent()).toBe(WARNING_EN);
      expect((await statusOf(phished.user_code)).status).toBe('SCANNED');
      const choices = await phone.locator('#match-choices label').allTextContents();
      expect(choices).toHaveLength(3);
      expect(choices).toContain(phished.user_code);
      const decoy = choices.findIndex((choice) => choice !== phished.user_code);
      await phone.locator(`#match-choices label >> nth=${decoy}`).click();
      await phone.click('#confirm-btn');
      await expect
        .poll(() => phone.locator('#error').textContent(), { timeout: STEP_MS })
        .toContain('not the one on the device');
      expect(await phone.locator('#confirm-section').isHidden()).toBe(true);
      expect(await statusOf(phished.user_code)).toMatchObject({ status: 'CANCELLED', cancelReason: 'MATCH_FAILED' });
      // The attacker's device gets nothing.
      expect((await poll(phished.device_code)).body.error).toBe('access_denied');

      // A real device in front of the user: the link in Chinese names it too, and "not me" leaves it alone.
      const mine = await startDevice();
      await phone.goto(`${mine.verification_uri_complete}&lang=zh-CN`);
      await phone.locator('#link-section').waitFor({ state: 'visible' });
      expect(await phone.locator('#link-what').textContent()).toBe(WARNING_ZH);
      expect(await phone.locator('html').getAttribute('lang')).toBe('zh-CN');
      await phone.click('#link-dismiss-btn');
      expect(await phone.locator('#link-section').isHidden()).toBe(true);
      expect((await statusOf(mine.user_code)).status).toBe('PENDING');

      // The user types the code off the device's screen: no pick is owed, and the device is named.
      await phone.goto(`${url}/phone`);
      await phone.fill('#code', mine.user_code.toLowerCase());
      await phone.click('#scan-btn');
      await phone.locator('#confirm-section').waitFor({ state: 'visible' });
      expect(await phone.locator('#device-warning').textContent()).toBe(WARNING_EN);
      expect(await phone.locator('#match').isHidden()).toBe(true);
      await phone.click('#confirm-btn');
      await expect.poll(() => phone.locator('#status').textContent(), { timeout: STEP_MS }).toContain('Confirmed');

      const tokens = await poll(mine.device_code);
      expect(tokens.status).toBe(200);
      const claims = JSON.parse(Buffer.from(tokens.body.access_token.split('.')[1], 'base64url').toString('utf8'));
      expect(claims.username).toBe('alice');
    },
    TEST_MS,
  );
});
