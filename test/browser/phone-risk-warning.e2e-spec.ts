import type { INestApplication } from '@nestjs/common';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSampleApp } from '../support/sample-app';
import { request } from '../support/http';
import { GEO_CITY_IPV4, GEO_CITY_IPV6, KNOWN_PLACES } from '../risk/geo-database';
import { useChromium, screenshotPath } from './support/browser';
import { useBuiltClient } from './support/build-client';

/*
 * The sample's phone page in a real Chromium, with the sample behind a
 * trusted proxy on loopback and a real GeoLite2 City database: the browser
 * that asks to log in is in Japan, the phone in Britain. The phone must see
 * where the login comes from and a warning it cannot miss, with Cancel as
 * easy to reach as Confirm.
 */

const DESKTOP_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
const PHONE_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36';
const STEP_MS = 10_000;
const TEST_MS = 60_000;
/** What a far-away warning says, whatever its wording: the flag, or the distance. */
const FAR_AWAY_TEXT = /far[ -]away|far from|\d[\d,. ]*\s?km/i;

let app: INestApplication;
let url: string;
const chromium = useChromium();
const client = useBuiltClient();

beforeAll(async () => {
  ({ app, url } = await startSampleApp({
    adapter: 'express',
    clientDir: client.dir,
    geoDatabases: [GEO_CITY_IPV4, GEO_CITY_IPV6],
    trustProxy: 'loopback',
  }));
});

afterAll(async () => {
  await app?.close();
});

/** A code created by a browser the proxy saw at `ip`, as the sample's web page creates it. */
async function createFrom(ip: string): Promise<string> {
  const created = await request(`${url}/qr-login/qrcodes`, {
    json: {},
    headers: { 'x-forwarded-for': ip, 'user-agent': DESKTOP_UA, origin: url },
  });
  expect(created.status).toBe(201);
  return created.body.qrcodeId;
}

/** The phone page in its own browser context, behind the proxy at `ip`, logged in as alice. */
async function openPhoneAt(ip: string): Promise<Page> {
  const context = await chromium.newContext({ userAgent: PHONE_UA, viewport: { width: 390, height: 844 } });
  context.setDefaultTimeout(STEP_MS);
  context.setDefaultNavigationTimeout(STEP_MS);
  await context.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => route.abort());
  // What the trusted proxy would add to each of the phone's requests.
  await context.setExtraHTTPHeaders({ 'x-forwarded-for': ip });
  const phone = await context.newPage();
  await phone.goto(`${url}/phone`);
  await phone.getByLabel('Username').fill('alice');
  await phone.getByLabel('Password').fill('wonderland');
  await phone.getByRole('button', { name: /^log ?in$/i }).click();
  // The login form's hint names alice too and hides once logged in: wait for the account line itself.
  await expect.poll(() => phone.getByText(/Logged in as .*\(alice\)/).isVisible(), { timeout: STEP_MS }).toBe(true);
  return phone;
}

/** Opens the code's link on the phone, taps Continue (a link alone scans nothing), and waits for the Confirm button. */
async function scanOnPhone(phone: Page, qrcodeId: string): Promise<void> {
  await phone.goto(`${url}/phone?code=${encodeURIComponent(qrcodeId)}`);
  await phone.getByRole('button', { name: /^continue$/i }).click();
  await phone.getByRole('button', { name: /^confirm/i }).waitFor({ state: 'visible' });
}

const areaOf = async (page: Page, name: RegExp) => {
  const box = await page.getByRole('button', { name }).boundingBox();
  return box ? box.width * box.height : 0;
};

describe('the sample behind a trusted proxy, with a geo database', () => {
  it('places both ends of a scan and flags a far-away browser on the scan answer', async () => {
    const qrcodeId = await createFrom(KNOWN_PLACES.japan.ip);
    const login = await request(`${url}/auth/app/login`, { json: { username: 'alice', password: 'wonderland' } });
    const scanned = await request(`${url}/qr-login/qrcodes/${qrcodeId}/scan`, {
      method: 'POST',
      headers: { authorization: `Bearer ${login.body.access_token}`, 'x-forwarded-for': KNOWN_PLACES.britain.ip },
    });
    expect(scanned.status).toBe(200);
    expect(scanned.body.requester).toMatchObject({
      ip: KNOWN_PLACES.japan.ip,
      place: { country: 'JP', city: KNOWN_PLACES.japan.city },
    });
    expect(scanned.body.risk).toMatchObject({
      verdict: 'warn',
      flags: ['different-network', 'different-country', 'far-away'],
    });
    // Number matching is on in the sample by default.
    expect(scanned.body.matchChoices).toHaveLength(3);
  });

  // Switched on once the phone page shows `requester.place` and the `risk.flags` warnings.
  it(
    'shows the phone where a far-away login comes from, with a visible warning and Cancel as prominent as Confirm',
    async () => {
      const phone = await openPhoneAt(KNOWN_PLACES.britain.ip);
      await scanOnPhone(phone, await createFrom(KNOWN_PLACES.japan.ip));

      const warning = phone.getByRole('alert').filter({ hasText: FAR_AWAY_TEXT });
      await expect.poll(() => warning.first().isVisible(), { timeout: STEP_MS }).toBe(true);
      expect(
        await phone
          .getByText(/Minoh|Japan|\bJP\b/)
          .first()
          .isVisible(),
      ).toBe(true);
      // Cancel is as easy to hit as Confirm: visible, and at least as large.
      expect(await phone.getByRole('button', { name: /^cancel/i }).isVisible()).toBe(true);
      expect(await areaOf(phone, /^cancel/i)).toBeGreaterThanOrEqual((await areaOf(phone, /^confirm/i)) * 0.95);
      await phone.screenshot({ path: screenshotPath('phone-risk-far-away-warning'), fullPage: true });

      // A browser on the phone's own network raises no warning.
      await scanOnPhone(phone, await createFrom(KNOWN_PLACES.britainSameNetwork.ip));
      expect(await phone.getByRole('alert').filter({ hasText: FAR_AWAY_TEXT }).count()).toBe(0);
      expect(
        await phone
          .getByText(/Bracknell|United Kingdom|Britain|\bGB\b/)
          .first()
          .isVisible(),
      ).toBe(true);
    },
    TEST_MS,
  );
});
