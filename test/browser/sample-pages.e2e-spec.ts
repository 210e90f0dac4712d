import type { INestApplication } from '@nestjs/common';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QrLoginService } from '../../lib';
import { type SampleAppOptions } from '../../sample/sample.app';
import { startSampleApp } from '../support/sample-app';
import { request } from '../support/http';
import { decodeQrOf, useChromium, screenshotPath } from './support/browser';
import { useBuiltClient } from './support/build-client';

/*
 * The sample's pages in a real Chromium, against the sample started in this
 * process: the web page (/) in one browser context, the phone simulator
 * (/phone) in another, as two devices would be.
 */

// Distinct user agents, so the phone's "who is asking" can be checked against the desktop's.
const DESKTOP_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 QrLoginDesktop/1.0';
const PHONE_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36';
const SHORT_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;
const STEP_MS = 10_000;
const TEST_MS = 60_000;

const chromium = useChromium();
const client = useBuiltClient();

async function newContext(
  userAgent: string,
  init?: (context: BrowserContext) => Promise<unknown>,
): Promise<BrowserContext> {
  const context = await chromium.newContext({ userAgent, viewport: { width: 480, height: 900 } });
  context.setDefaultTimeout(STEP_MS);
  context.setDefaultNavigationTimeout(STEP_MS);
  // Only the sample on loopback: anything else the pages tried to load would fail the test.
  await context.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => route.abort());
  await init?.(context);
  return context;
}

/** Opens the web page and waits for its first QR image. */
async function openDesktop(url: string, context?: BrowserContext): Promise<Page> {
  const page = await (context ?? (await newContext(DESKTOP_UA))).newPage();
  await page.goto(`${url}/`);
  await expect.poll(() => currentIdOf(page), { timeout: STEP_MS }).toMatch(/^[\w-]{27}$/);
  return page;
}

/** The qrcodeId of the image on screen. */
async function currentIdOf(page: Page): Promise<string | null> {
  const image = page.locator('#qr img.qr-login-image');
  return (await image.count()) ? image.getAttribute('data-qrcode-id') : null;
}

async function shortCodeOf(page: Page): Promise<string> {
  return (await page.locator('#qr .qr-login-short-code .qr-login-value').textContent()) ?? '';
}

/** The status line of the page's <qr-login-code> (the locator reaches into its open shadow root). */
async function statusOf(page: Page): Promise<string> {
  return (await page.locator('#qr .qr-login-status').textContent()) ?? '';
}

/** A phone logged in as `username`, on the simulator page. */
async function openPhone(url: string, username = 'alice', password = 'wonderland'): Promise<Page> {
  const phone = await (await newContext(PHONE_UA)).newPage();
  await phone.goto(`${url}/phone`);
  await phone.fill('#username', username);
  await phone.fill('#password', password);
  await phone.click('#login-btn');
  await phone.locator('#phone-user').waitFor({ state: 'visible' });
  return phone;
}

/** Types a code (short code, id or link) on the phone and waits for "who is asking". */
async function scanOnPhone(phone: Page, code: string): Promise<void> {
  await phone.fill('#code', code);
  await phone.click('#scan-btn');
  await phone.locator('#confirm-section').waitFor({ state: 'visible' });
}

/**
 * Puts the client module the sample serves on `window.startQrLogin`. A string,
 * not a function: the test runner rewrites `import()` in the test's own code.
 */
async function loadClient(page: Page): Promise<void> {
  await page.evaluate("import('/assets/client/index.mjs').then((m) => { window.startQrLogin = m.startQrLogin; })");
}

async function startSample(options: Omit<SampleAppOptions, 'adapter'> & { adapter: SampleAppOptions['adapter'] }) {
  return startSampleApp({ clientDir: client.dir, ...options });
}

// One app at a time: passport keeps strategies in one registry per process.
describe.each(['express', 'fastify'] as const)('the sample pages on %s', (adapter) => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    // The plain flow; number matching, the sample's default, has its own suite below.
    ({ app, url } = await startSample({ adapter, numberMatching: false }));
  });

  afterAll(async () => {
    await app?.close();
  });

  it(
    'logs the web page in as alice, who confirms on the phone',
    async () => {
      const desktop = await openDesktop(url);
      const qrcodeId = (await currentIdOf(desktop))!;
      await desktop.screenshot({ path: screenshotPath(`${adapter}-1-desktop-code`), fullPage: true });

      // The image really encodes the link to this code, which the page also prints.
      const decoded = await decodeQrOf(desktop.locator('#qr img.qr-login-image'));
      expect(decoded).toBe(`${url}/phone?code=${qrcodeId}`);
      expect(await desktop.locator('#payload').textContent()).toBe(decoded);
      const shortCode = await shortCodeOf(desktop);
      expect(shortCode).toMatch(SHORT_CODE);
      expect(await statusOf(desktop)).toBe('Waiting for a scan…');
      expect(await desktop.locator('#transport').textContent()).toContain('server-sent events');

      const phone = await openPhone(url);
      // No BarcodeDetector in headless Chromium on Linux: the phone page says to type the code.
      expect(await phone.locator('#camera').isHidden()).toBe(true);
      expect(await phone.locator('#camera-note').textContent()).toContain('type the code instead');
      // Express types the short code, Fastify the link decoded from the image: both ways in.
      await scanOnPhone(phone, adapter === 'express' ? shortCode.toLowerCase() : decoded!);
      const requester = (await phone.locator('#requester').textContent()) ?? '';
      expect(requester).toContain('QrLoginDesktop/1.0');
      expect(requester).toContain('Chrome 140 on Linux');
      expect(requester).toContain('127.0.0.1');
      expect(requester).toContain('nestjs-qr-login sample');
      expect(await phone.locator('#match').isHidden()).toBe(true);
      await phone.screenshot({ path: screenshotPath(`${adapter}-2-phone-who-is-asking`), fullPage: true });

      // The web page shows who scanned, with the avatar.
      await desktop.locator('#qr .qr-login-scanner').waitFor({ state: 'visible' });
      expect(await desktop.locator('#qr .qr-login-scanner-name').textContent()).toBe('Alice Liddell');
      expect(await desktop.locator('#qr .qr-login-scanner-photo').getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
      expect(await statusOf(desktop)).toBe('Alice Liddell scanned the code. Confirm on the phone.');
      await desktop.screenshot({ path: screenshotPath(`${adapter}-3-desktop-scanned`), fullPage: true });

      await phone.click('#confirm-btn');
      await expect.poll(() => phone.locator('#status').textContent(), { timeout: STEP_MS }).toContain('Confirmed');
      await desktop.waitForURL(`${url}/me`);
      await expect
        .poll(() => desktop.locator('#who').textContent(), { timeout: STEP_MS })
        .toBe('Signed in as Alice Liddell');
      await desktop.screenshot({ path: screenshotPath(`${adapter}-4-desktop-me`), fullPage: true });
      await phone.screenshot({ path: screenshotPath(`${adapter}-5-phone-confirmed`), fullPage: true });
    },
    TEST_MS,
  );

  it(
    'says so when the phone cancels, and offers a new code',
    async () => {
      const desktop = await openDesktop(url);
      const first = (await currentIdOf(desktop))!;
      const phone = await openPhone(url, 'bob', 'builder');
      await scanOnPhone(phone, await shortCodeOf(desktop));
      await desktop.locator('#qr .qr-login-scanner').waitFor({ state: 'visible' });
      expect(await desktop.locator('#qr .qr-login-scanner-name').textContent()).toBe('Bob the Builder');

      await phone.click('#cancel-btn');
      await expect.poll(() => statusOf(desktop), { timeout: STEP_MS }).toBe('The login was cancelled on the phone.');
      expect(await desktop.locator('#qr .qr-login-status').getAttribute('data-status')).toBe('CANCELLED');
      const newCode = desktop.locator('#qr .qr-login-refresh');
      await newCode.waitFor({ state: 'visible' });
      expect(await desktop.locator('#qr .qr-login-scanner').isHidden()).toBe(true);
      await desktop.screenshot({ path: screenshotPath(`${adapter}-6-desktop-cancelled`), fullPage: true });

      await newCode.click();
      await expect.poll(() => currentIdOf(desktop), { timeout: STEP_MS }).not.toBe(first);
      await expect.poll(() => statusOf(desktop), { timeout: STEP_MS }).toBe('Waiting for a scan…');
      expect(await newCode.isHidden()).toBe(true);
      // Keyboard users keep their place: the focus moved to the status line, not to the page's top.
      expect(
        await desktop.evaluate(() => {
          const host = document.activeElement;
          return `${host?.id} ${host?.shadowRoot?.activeElement?.className}`;
        }),
      ).toBe('qr qr-login-status');
      const decoded = await decodeQrOf(desktop.locator('#qr img.qr-login-image'));
      expect(decoded).toBe(`${url}/phone?code=${await currentIdOf(desktop)}`);
    },
    TEST_MS,
  );

  it(
    'reads the QR code with the camera where the browser offers BarcodeDetector',
    async () => {
      const desktop = await openDesktop(url);
      const payload = await decodeQrOf(desktop.locator('#qr img.qr-login-image'));
      // Headless Chromium on Linux has neither a camera nor BarcodeDetector: stand-ins play both,
      // the detector "seeing" whatever the test puts in front of it.
      const context = await newContext(PHONE_UA, (c) =>
        c.addInitScript(() => {
          const w = window as any;
          w.BarcodeDetector = class {
            static async getSupportedFormats() {
              return ['qr_code'];
            }
            async detect() {
              return w.inFrontOfCamera ? [{ rawValue: w.inFrontOfCamera }] : [];
            }
          };
          navigator.mediaDevices.getUserMedia = async () => {
            const canvas = document.createElement('canvas');
            canvas.width = canvas.height = 64;
            w.cameraStream = canvas.captureStream(5);
            return w.cameraStream;
          };
        }),
      );
      const phone = await context.newPage();
      await phone.goto(`${url}/phone`);
      await phone.fill('#username', 'alice');
      await phone.fill('#password', 'wonderland');
      await phone.click('#login-btn');
      await phone.locator('#camera-btn').click();
      await phone.locator('#camera-video').waitFor({ state: 'visible' });
      await phone.evaluate((text) => Object.assign(window, { inFrontOfCamera: text }), payload);
      await phone.locator('#confirm-section').waitFor({ state: 'visible' });
      // The camera is off again once the code is read.
      expect(await phone.locator('#camera-view').isHidden()).toBe(true);
      expect(
        await phone.evaluate(() =>
          (window as any).cameraStream.getTracks().every((t: MediaStreamTrack) => t.readyState === 'ended'),
        ),
      ).toBe(true);
      expect(await phone.locator('#code').inputValue()).toBe(payload);
      await phone.click('#confirm-btn');
      await desktop.waitForURL(`${url}/me`);
      await expect
        .poll(() => desktop.locator('#who').textContent(), { timeout: STEP_MS })
        .toBe('Signed in as Alice Liddell');
    },
    TEST_MS,
  );

  it(
    'falls back to polling without EventSource, and still ends at /me',
    async () => {
      const service = app.get(QrLoginService);
      const streamsBefore = service.activeWatchCount;
      const context = await newContext(DESKTOP_UA, (c) =>
        c.addInitScript(() => {
          delete (window as { EventSource?: unknown }).EventSource;
        }),
      );
      const desktop = await openDesktop(url, context);
      expect(await desktop.evaluate(() => 'EventSource' in window)).toBe(false);
      await expect.poll(() => desktop.locator('#transport').textContent(), { timeout: STEP_MS }).toContain('polling');

      const phone = await openPhone(url);
      await scanOnPhone(phone, await shortCodeOf(desktop));
      await expect
        .poll(() => desktop.locator('#qr .qr-login-scanner-name').textContent(), { timeout: STEP_MS })
        .toBe('Alice Liddell');
      // Polling opened no event stream on the server.
      expect(service.activeWatchCount).toBe(streamsBefore);
      await phone.click('#confirm-btn');
      await desktop.waitForURL(`${url}/me`);
      await expect
        .poll(() => desktop.locator('#who').textContent(), { timeout: STEP_MS })
        .toBe('Signed in as Alice Liddell');
      await desktop.screenshot({ path: screenshotPath(`${adapter}-7-polling-me`), fullPage: true });
    },
    TEST_MS,
  );

  it(
    'stop() closes the event stream: the server releases the subscription',
    async () => {
      const service = app.get(QrLoginService);
      const page = await (await newContext(DESKTOP_UA)).newPage();
      await page.goto(`${url}/me`);
      const before = service.activeWatchCount;
      await loadClient(page);
      await page.evaluate(() => {
        const seen: string[] = [];
        const w = window as any;
        Object.assign(w, {
          seen,
          login: w.startQrLogin({ transport: 'sse', onStatus: (view: { status: string }) => seen.push(view.status) }),
        });
      });
      await expect.poll(() => page.evaluate(() => (window as any).seen.join()), { timeout: STEP_MS }).toBe('PENDING');
      await expect.poll(() => service.activeWatchCount, { timeout: STEP_MS }).toBe(before + 1);

      await page.evaluate(() => (window as any).login.stop());
      await expect.poll(() => service.activeWatchCount, { timeout: STEP_MS }).toBe(before);
      expect(await page.evaluate(() => (window as any).login.state)).toBe('stopped');
      // And it stays released: the browser does not reconnect a closed EventSource.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(service.activeWatchCount).toBe(before);
    },
    TEST_MS,
  );

  it(
    'stop() ends polling: no request after it',
    async () => {
      const page = await (await newContext(DESKTOP_UA)).newPage();
      await page.goto(`${url}/me`);
      let reads = 0;
      page.on('request', (r) => {
        if (/\/qr-login\/qrcodes\/[\w-]{27}$/.test(r.url())) reads++;
      });
      await loadClient(page);
      await page.evaluate(() => {
        const w = window as any;
        w.login = w.startQrLogin({ transport: 'poll', pollInterval: 100 });
      });
      await expect.poll(() => reads, { timeout: STEP_MS }).toBeGreaterThanOrEqual(3);
      await page.evaluate(() => (window as any).login.stop());
      const atStop = reads;
      await new Promise((r) => setTimeout(r, 800));
      // One read may have been under way when stop() aborted it; none starts afterwards.
      expect(reads - atStop).toBeLessThanOrEqual(1);
      const settled = reads;
      await new Promise((r) => setTimeout(r, 500));
      expect(reads).toBe(settled);
    },
    TEST_MS,
  );
});

describe('the sample pages with a short-lived code', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startSample({ adapter: 'express', qrCodeTtl: 2 }));
  });

  afterAll(async () => {
    await app?.close();
  });

  it(
    'replaces an expired code by itself',
    async () => {
      const desktop = await openDesktop(url);
      // Every status line the page shows, including the brief "expired" one.
      await desktop.evaluate(() => {
        const lines: string[] = [];
        const status = document.getElementById('qr')!.shadowRoot!.querySelector('.qr-login-status')!;
        new MutationObserver(() => lines.push(status.textContent ?? '')).observe(status, {
          childList: true,
          characterData: true,
          subtree: true,
        });
        Object.assign(window, { lines });
      });
      const first = (await currentIdOf(desktop))!;
      const firstShort = await shortCodeOf(desktop);
      await expect.poll(() => currentIdOf(desktop), { timeout: STEP_MS }).not.toBe(first);
      await expect.poll(() => statusOf(desktop), { timeout: STEP_MS }).toBe('Waiting for a scan…');
      const lines: string[] = await desktop.evaluate(() => (window as any).lines);
      expect(lines).toContain('The code expired. Here comes a new one…');
      expect(await desktop.locator('#qr .qr-login-refresh').isHidden()).toBe(true);
      expect(await shortCodeOf(desktop)).not.toBe(firstShort);
      const decoded = await decodeQrOf(desktop.locator('#qr img.qr-login-image'));
      expect(decoded).toBe(`${url}/phone?code=${await currentIdOf(desktop)}`);
      await desktop.screenshot({ path: screenshotPath('express-8-desktop-renewed-after-expiry'), fullPage: true });

      // The old code is gone for the phone too.
      const login = await request(`${url}/auth/app/login`, { json: { username: 'alice', password: 'wonderland' } });
      const scan = await request(`${url}/qr-login/qrcodes/${first}/scan`, {
        method: 'POST',
        headers: { authorization: `Bearer ${login.body.access_token}` },
      });
      expect(scan.status).toBe(410);
    },
    TEST_MS,
  );
});

describe('the sample pages with number matching', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startSample({ adapter: 'fastify', numberMatching: true }));
  });

  afterAll(async () => {
    await app?.close();
  });

  it(
    'lets the phone confirm by picking the number the page shows',
    async () => {
      const desktop = await openDesktop(url);
      const match = (await desktop.locator('#qr .qr-login-match .qr-login-value').textContent()) ?? '';
      expect(match).toMatch(/^\d{2}$/);
      const phone = await openPhone(url);
      await scanOnPhone(phone, await shortCodeOf(desktop));
      const choices = await phone.locator('#match-choices label').allTextContents();
      expect(choices).toHaveLength(3);
      expect(choices).toContain(match);
      await expect
        .poll(() => statusOf(desktop), { timeout: STEP_MS })
        .toBe(`Alice Liddell scanned the code. Pick ${match} on the phone to confirm.`);
      await desktop.screenshot({ path: screenshotPath('fastify-9-desktop-number-matching'), fullPage: true });

      // Confirming without a pick is stopped on the phone, before the server.
      await phone.click('#confirm-btn');
      expect(await phone.locator('#error').textContent()).toBe('Pick the number the computer shows first.');
      await phone.locator('#match-choices label', { hasText: match }).click();
      await phone.screenshot({ path: screenshotPath('fastify-10-phone-number-matching'), fullPage: true });
      await phone.click('#confirm-btn');
      await desktop.waitForURL(`${url}/me`);
      await expect
        .poll(() => desktop.locator('#who').textContent(), { timeout: STEP_MS })
        .toBe('Signed in as Alice Liddell');
    },
    TEST_MS,
  );

  it(
    'cancels the login when the phone picks a wrong number',
    async () => {
      const desktop = await openDesktop(url);
      const match = (await desktop.locator('#qr .qr-login-match .qr-login-value').textContent()) ?? '';
      const phone = await openPhone(url);
      await scanOnPhone(phone, await shortCodeOf(desktop));
      const wrong = (await phone.locator('#match-choices label').allTextContents()).find((choice) => choice !== match)!;
      await phone.locator('#match-choices label', { hasText: wrong }).click();
      await phone.click('#confirm-btn');
      await expect
        .poll(() => statusOf(desktop), { timeout: STEP_MS })
        .toBe('The phone picked the wrong number, so the login was cancelled.');
      await desktop.locator('#qr .qr-login-refresh').waitFor({ state: 'visible' });
      expect(await phone.locator('#error').textContent()).not.toBe('');
    },
    TEST_MS,
  );
});

describe('the sample pages with rotating codes', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startSample({ adapter: 'express', qrCodeTtl: 60, rotateEvery: 2 }));
  });

  afterAll(async () => {
    await app?.close();
  });

  it(
    'swaps in each rotated code, and logs in with the latest one',
    async () => {
      const desktop = await openDesktop(url);
      const first = (await currentIdOf(desktop))!;
      const firstShort = await shortCodeOf(desktop);
      await expect.poll(() => currentIdOf(desktop), { timeout: STEP_MS }).not.toBe(first);
      const rotated = (await currentIdOf(desktop))!;
      const rotatedShort = await shortCodeOf(desktop);
      expect(rotatedShort).toMatch(SHORT_CODE);
      expect(rotatedShort).not.toBe(firstShort);
      expect(await decodeQrOf(desktop.locator('#qr img.qr-login-image'))).toBe(`${url}/phone?code=${rotated}`);
      expect(await statusOf(desktop)).toBe('A fresh code for safety. Waiting for a scan…');

      // Scanned straight away (a rotation comes every 2 s), by the user code the page shows.
      const login = await request(`${url}/auth/app/login`, { json: { username: 'alice', password: 'wonderland' } });
      const alice = { authorization: `Bearer ${login.body.access_token}` };
      const resolved = await request(`${url}/qr-login/user-codes/scan`, {
        method: 'POST',
        json: { userCode: rotatedShort },
        headers: alice,
      });
      expect(resolved.status).toBe(200);
      expect(resolved.body.qrcodeId).toBe(rotated);
      // Number matching is on by default: the rotated code brings its own number, which the page shows.
      const matchCode = (await desktop.locator('#qr .qr-login-match .qr-login-value').textContent()) ?? '';
      expect(matchCode).toMatch(/^\d{2}$/);
      const confirm = await request(`${url}/qr-login/qrcodes/${rotated}/confirm`, {
        headers: alice,
        json: { matchCode },
      });
      expect(confirm.status).toBe(200);
      await desktop.waitForURL(`${url}/me`);
      await expect
        .poll(() => desktop.locator('#who').textContent(), { timeout: STEP_MS })
        .toBe('Signed in as Alice Liddell');
    },
    TEST_MS,
  );
});
