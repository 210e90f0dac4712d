import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { createQrLoginAppClient } from '../../client/app/index.mjs';
import { QrLoginService } from '../../lib';
import { describeMatrix } from '../support/matrix';
import { decodeQrOf, useChromium, screenshotPath } from './support/browser';
import { useBuiltClient } from './support/build-client';

/*
 * <qr-login-code> in a real Chromium against the real fixture app, over every
 * store and both HTTP adapters. The test page and the built client are served
 * at the app's own origin (by the browser context, from this process), so the
 * element talks to the app exactly as a page of that site would; the phone is
 * the package's app client, in this process.
 */

const STEP_MS = 10_000;
const TEST_MS = 60_000;
const ID = /^[\w-]{27}$/;
const PAGE_PATH = '/__element-test';

const chromium = useChromium();
const client = useBuiltClient();

interface PageSetup {
  /** `<html lang>`. */
  htmlLang?: string;
  /** Attributes of the element, as HTML. */
  attributes?: string;
  /** A stylesheet for the page. */
  css?: string;
}

function testPage({ htmlLang = 'en', attributes = '', css = '' }: PageSetup): string {
  return `<!doctype html>
<html lang="${htmlLang}">
<head>
  <meta charset="utf-8">
  <style>${css}</style>
  <script type="module">
    import * as qrClient from '${PAGE_PATH}/client/index.mjs';
    window.qrClient = qrClient;
    window.events = [];
    for (const type of ['qr-login-code', 'qr-login-status', 'qr-login-scanned', 'qr-login-authorized', 'qr-login-cancelled', 'qr-login-expired', 'qr-login-error', 'qr-login-transport']) {
      document.addEventListener(type, (event) => window.events.push({ type, detail: JSON.parse(JSON.stringify(event.detail ?? null)) }));
    }
    qrClient.defineQrLoginElement();
  </script>
</head>
<body>
  <button id="before">before</button>
  <qr-login-code id="qr" ${attributes}></qr-login-code>
</body>
</html>`;
}

/** Opens the test page at the app's origin and waits for the element's first code. */
async function openElement(url: string, setup: PageSetup = {}): Promise<Page> {
  const context = await chromium.newContext({ viewport: { width: 480, height: 800 } });
  context.setDefaultTimeout(STEP_MS);
  // Only loopback: anything else the element tried to load would fail the test.
  await context.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => route.abort());
  await context.route(`${url}${PAGE_PATH}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname.slice(PAGE_PATH.length);
    if (path === '/page.html') return route.fulfill({ contentType: 'text/html; charset=utf-8', body: testPage(setup) });
    const file = normalize(path.replace(/^\/client\//, ''));
    if (file.startsWith('..')) return route.abort();
    try {
      const body = readFileSync(join(client.dir, file), 'utf8');
      return route.fulfill({
        contentType: extname(file) === '.map' ? 'application/json' : 'text/javascript; charset=utf-8',
        body,
      });
    } catch {
      return route.fulfill({ status: 404, body: 'not found' });
    }
  });
  const page = await context.newPage();
  await page.goto(`${url}${PAGE_PATH}/page.html`);
  return page;
}

const part = (page: Page, className: string) => page.locator(`#qr .${className}`);
const idOf = (page: Page) => part(page, 'qr-login-image').getAttribute('data-qrcode-id');
const statusOf = async (page: Page) => (await part(page, 'qr-login-status').textContent()) ?? '';
const eventsOf = (page: Page): Promise<Array<{ type: string; detail: any }>> =>
  page.evaluate(() => (window as any).events);
/** Class of the focused element inside the element's shadow root, with the host's id. */
const focusOf = (page: Page) =>
  page.evaluate(() =>
    `${document.activeElement?.id} ${document.activeElement?.shadowRoot?.activeElement?.className ?? ''}`.trim(),
  );

async function waitForCode(page: Page, not?: string | null): Promise<string> {
  await expect.poll(() => idOf(page), { timeout: STEP_MS }).toMatch(ID);
  if (not) await expect.poll(() => idOf(page), { timeout: STEP_MS }).not.toBe(not);
  return (await idOf(page))!;
}

const phoneOf = (url: string, who: 'alice' | 'bob') =>
  createQrLoginAppClient({ baseUrl: url, getAccessToken: () => `token-${who}` });

describeMatrix('<qr-login-code>', {}, (current, adapter, kind) => {
  it(
    'renders the code, the time left and who scanned, and hands the login to the page, in English',
    async () => {
      const { url } = current();
      const page = await openElement(url);
      const id = await waitForCode(page);
      expect(await decodeQrOf(part(page, 'qr-login-image'))).toBe(id);
      expect(await part(page, 'qr-login-image').getAttribute('alt')).toBe(
        'QR code: scan it with the app on your phone to log in',
      );
      expect(await statusOf(page)).toBe('Waiting for a scan…');
      const status = part(page, 'qr-login-status');
      expect(await status.getAttribute('role')).toBe('status');
      expect(await status.getAttribute('aria-live')).toBe('polite');
      expect(await status.getAttribute('data-status')).toBe('PENDING');
      // The module issues a user code (RFC 8628 style, shown as XXXX-XXXX) and, in this fixture, no match number.
      expect(await part(page, 'qr-login-user-code').isVisible()).toBe(true);
      expect(await part(page, 'qr-login-user-code').textContent()).toMatch(
        /[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}/,
      );
      expect(await part(page, 'qr-login-match').isHidden()).toBe(true);
      const countdown = part(page, 'qr-login-countdown');
      const first = (await countdown.textContent()) ?? '';
      expect(first).toMatch(/^Expires in [12]:\d\d$/);
      await expect.poll(() => countdown.textContent(), { timeout: STEP_MS }).not.toBe(first);

      const answer = await phoneOf(url, 'alice').scan(id);
      expect(answer.requester.appName).toBe('Fixture Web');
      await expect
        .poll(() => statusOf(page), { timeout: STEP_MS })
        .toBe('Alice scanned the code. Confirm on the phone.');
      expect(await part(page, 'qr-login-scanner').isVisible()).toBe(true);
      expect(await part(page, 'qr-login-scanner-name').textContent()).toBe('Alice');
      expect(await part(page, 'qr-login-scanner-photo').getAttribute('src')).toBe('https://example.test/alice.png');
      expect(await page.locator('#qr').getAttribute('data-state')).toBe('scanned');
      await page.screenshot({ path: screenshotPath(`element-${kind.name}-${adapter}-scanned`) });

      await phoneOf(url, 'alice').confirm(id);
      await expect.poll(() => statusOf(page), { timeout: STEP_MS }).toBe('Signed in.');
      expect(await status.getAttribute('data-tone')).toBe('success');
      expect(await countdown.textContent()).toBe('');
      const events = await eventsOf(page);
      const authorized = events.find((event) => event.type === 'qr-login-authorized');
      expect(authorized?.detail.result).toMatchObject({ access_token: 'session-for-u-alice' });
      expect(authorized?.detail.ticket).toMatch(new RegExp(`^${id}\\.`));
      const order = events.map((event) => event.type).filter((type) => type !== 'qr-login-status');
      expect(order).toEqual(['qr-login-code', 'qr-login-transport', 'qr-login-scanned', 'qr-login-authorized']);
      expect(events.find((event) => event.type === 'qr-login-code')?.detail).toMatchObject({
        qrcodeId: id,
        payload: id,
      });
    },
    TEST_MS,
  );

  it(
    'speaks Simplified Chinese from the page’s lang, and its own lang attribute wins',
    async () => {
      const { url } = current();
      const page = await openElement(url, { htmlLang: 'zh-CN' });
      const id = await waitForCode(page);
      await expect.poll(() => statusOf(page), { timeout: STEP_MS }).toBe('等待扫码…');
      expect(await part(page, 'qr-login-image').getAttribute('alt')).toBe('二维码：用手机上的应用扫描即可登录');
      expect(await part(page, 'qr-login-countdown').textContent()).toMatch(/^[12]:\d\d 后过期$/);

      await phoneOf(url, 'bob').scan(id);
      await expect.poll(() => statusOf(page), { timeout: STEP_MS }).toBe('Bob 已扫码，请在手机上确认。');
      await page.locator('#qr').evaluate((element) => element.setAttribute('lang', 'en'));
      expect(await statusOf(page)).toBe('Bob scanned the code. Confirm on the phone.');
      expect(await part(page, 'qr-login-countdown').textContent()).toMatch(/^Expires in \d:\d\d$/);
      // Without its own, the element follows the page's language as it changes.
      await page.evaluate(() => {
        document.getElementById('qr')!.removeAttribute('lang');
        document.documentElement.lang = 'zh-Hans';
      });
      await expect.poll(() => statusOf(page), { timeout: STEP_MS }).toBe('Bob 已扫码，请在手机上确认。');

      await phoneOf(url, 'bob').cancel(id);
      await expect.poll(() => statusOf(page), { timeout: STEP_MS }).toBe('已在手机上取消登录。');
      expect(await part(page, 'qr-login-refresh').textContent()).toBe('刷新二维码');
      await page.screenshot({ path: screenshotPath(`element-${kind.name}-${adapter}-zh-cancelled`) });
    },
    TEST_MS,
  );

  it(
    'after a cancel, offers a new code from the keyboard, themed by the page’s custom properties',
    async () => {
      const { url } = current();
      const page = await openElement(url, {
        css: `qr-login-code {
          --qr-login-size: 200px;
          --qr-login-accent: rgb(1, 2, 3);
          --qr-login-accent-text: rgb(250, 250, 250);
          --qr-login-focus-color: rgb(200, 0, 100);
          --qr-login-danger-color: rgb(150, 10, 20);
        }`,
      });
      const id = await waitForCode(page);
      const box = await part(page, 'qr-login-image').boundingBox();
      expect([box?.width, box?.height]).toEqual([200, 200]);

      await phoneOf(url, 'alice').scan(id);
      await phoneOf(url, 'alice').cancel(id);
      await expect.poll(() => statusOf(page), { timeout: STEP_MS }).toBe('The login was cancelled on the phone.');
      const status = part(page, 'qr-login-status');
      expect(await status.getAttribute('data-status')).toBe('CANCELLED');
      expect(await status.evaluate((element) => getComputedStyle(element).color)).toBe('rgb(150, 10, 20)');
      const refresh = part(page, 'qr-login-refresh');
      await refresh.waitFor({ state: 'visible' });
      expect(await refresh.textContent()).toBe('Show a new code');
      expect(
        await refresh.evaluate((element) => [
          getComputedStyle(element).backgroundColor,
          getComputedStyle(element).color,
        ]),
      ).toEqual(['rgb(1, 2, 3)', 'rgb(250, 250, 250)']);

      // From the button before it, one Tab reaches the refresh button, and the focus shows.
      await page.focus('#before');
      await page.keyboard.press('Tab');
      expect(await focusOf(page)).toBe('qr qr-login-refresh');
      expect(
        await refresh.evaluate((element) => [
          getComputedStyle(element).outlineStyle,
          getComputedStyle(element).outlineColor,
        ]),
      ).toEqual(['solid', 'rgb(200, 0, 100)']);
      await page.screenshot({ path: screenshotPath(`element-${kind.name}-${adapter}-refresh-focused`) });

      await page.keyboard.press('Enter');
      const next = await waitForCode(page, id);
      expect(await decodeQrOf(part(page, 'qr-login-image'))).toBe(next);
      await expect.poll(() => statusOf(page), { timeout: STEP_MS }).toBe('Waiting for a scan…');
      expect(await refresh.isHidden()).toBe(true);
      // The button hid itself; the keyboard user's place moved to the status line, not the page's top.
      expect(await focusOf(page)).toBe('qr qr-login-status');
    },
    TEST_MS,
  );

  it(
    'shows a failure with the server’s code, and starts over when its settings change',
    async () => {
      const { url } = current();
      const page = await openElement(url, { attributes: 'route-prefix="not-mounted"' });
      await expect
        .poll(() => statusOf(page), { timeout: STEP_MS })
        .toBe('Something went wrong. Show a new code to try again.');
      const status = part(page, 'qr-login-status');
      expect(await status.getAttribute('data-status')).toBe('ERROR');
      expect(await status.getAttribute('data-error-code')).toBe('HTTP_404');
      expect(await part(page, 'qr-login-refresh').isVisible()).toBe(true);
      const error = (await eventsOf(page)).find((event) => event.type === 'qr-login-error');
      expect(error?.detail).toMatchObject({ code: 'HTTP_404', status: 404, fatal: true });

      await page.locator('#qr').evaluate((element) => element.setAttribute('route-prefix', 'qr-login'));
      await waitForCode(page);
      await expect.poll(() => statusOf(page), { timeout: STEP_MS }).toBe('Waiting for a scan…');
      expect(await status.getAttribute('data-error-code')).toBeNull();
    },
    TEST_MS,
  );

  it(
    'registers once: defining again is a no-op, another tag name works, a taken one is refused',
    async () => {
      const { url } = current();
      const page = await openElement(url);
      await waitForCode(page);
      const outcome = await page.evaluate(() => {
        const { defineQrLoginElement, QrLoginCodeElement } = (window as any).qrClient;
        const again = defineQrLoginElement() === customElements.get('qr-login-code');
        const other = defineQrLoginElement('my-qr-login');
        const otherWorks =
          document.createElement('my-qr-login') instanceof QrLoginCodeElement &&
          defineQrLoginElement('my-qr-login') === other;
        customElements.define('x-taken', class extends HTMLElement {});
        let refused = '';
        try {
          defineQrLoginElement('x-taken');
        } catch (error) {
          refused = (error as Error).message;
        }
        return { again, otherWorks, refused };
      });
      expect(outcome).toEqual({
        again: true,
        otherWorks: true,
        refused: expect.stringMatching(
          /already defined by another element; pass defineQrLoginElement\(\) another tag name/,
        ),
      });
      // Taking the element out of the page ends its login: the server releases its event stream.
      const service = current().app.get(QrLoginService);
      await expect.poll(() => service.activeWatchCount, { timeout: STEP_MS }).toBeGreaterThan(0);
      const open = service.activeWatchCount;
      await page.locator('#qr').evaluate((element) => element.remove());
      await expect.poll(() => service.activeWatchCount, { timeout: STEP_MS }).toBe(open - 1);
    },
    TEST_MS,
  );

  it(
    'reopens a dropped key-bound stream with a fresh proof, and hears the scan on it (no polling)',
    async () => {
      const { url, app } = current();
      // What the server received: each stream request (its proof), and each status poll.
      const streams: Array<{ proof: string | null; socket: Socket }> = [];
      let polls = 0;
      const server = app.getHttpServer() as Server;
      const onRequest = (request: IncomingMessage) => {
        const target = new URL(request.url ?? '/', url);
        if (target.pathname.endsWith('/events'))
          streams.push({ proof: target.searchParams.get('dpop'), socket: request.socket });
        else if (request.method === 'GET' && /\/qrcodes\/[\w-]+$/.test(target.pathname)) polls++;
      };
      server.on('request', onRequest);
      try {
        const page = await openElement(url, { attributes: 'poll-interval="300"' });
        const id = await waitForCode(page);
        // The stream's first event: the stream is open and heard (a drop before it falls back to polling).
        await expect
          .poll(async () => (await eventsOf(page)).filter((event) => event.type === 'qr-login-status').length, {
            timeout: STEP_MS,
          })
          .toBe(1);
        expect(streams).toHaveLength(1);

        // The connection drops (a proxy's idle timeout, a network change): the browser would resend the spent proof.
        streams[0].socket.destroy();
        await expect.poll(() => streams.length, { timeout: STEP_MS }).toBe(2);
        expect(streams[0].proof).toMatch(/^ey/);
        expect(streams[1].proof).toMatch(/^ey/);
        expect(streams[1].proof).not.toBe(streams[0].proof);

        await phoneOf(url, 'alice').scan(id);
        await expect.poll(() => statusOf(page), { timeout: STEP_MS }).toMatch(/Alice/);
        expect(polls).toBe(0);
        const transports = (await eventsOf(page)).filter((event) => event.type === 'qr-login-transport');
        expect(transports.map((event) => event.detail.transport)).toEqual(['sse']);
      } finally {
        server.off('request', onRequest);
      }
    },
    TEST_MS,
  );
});

describeMatrix('<qr-login-code> with short-lived codes', { qrCodeTtl: 2 }, (current) => {
  it(
    'replaces an expired code while auto-refresh allows, then offers the refresh button',
    async () => {
      const { url } = current();
      const page = await openElement(url, { attributes: 'auto-refresh="1"' });
      // Every status line the element shows, including the brief "expired" one.
      await page.evaluate(() => {
        const lines: string[] = [];
        const status = document.getElementById('qr')!.shadowRoot!.querySelector('.qr-login-status')!;
        new MutationObserver(() => lines.push(status.textContent ?? '')).observe(status, {
          childList: true,
          characterData: true,
          subtree: true,
        });
        Object.assign(window, { lines });
      });
      const first = await waitForCode(page);
      const second = await waitForCode(page, first);
      await expect.poll(() => statusOf(page), { timeout: STEP_MS }).toBe('The code expired.');
      expect(await idOf(page)).toBe(second);
      expect(await page.evaluate(() => (window as any).lines)).toContain('The code expired. Here comes a new one…');
      expect(await part(page, 'qr-login-status').getAttribute('data-status')).toBe('EXPIRED');
      expect(await part(page, 'qr-login-countdown').textContent()).toBe('');
      const expired = (await eventsOf(page))
        .filter((event) => event.type === 'qr-login-expired')
        .map((event) => event.detail.willRefresh);
      expect(expired).toEqual([true, false]);

      await part(page, 'qr-login-refresh').click();
      const third = await waitForCode(page, second);
      expect(await decodeQrOf(part(page, 'qr-login-image'))).toBe(third);
      await expect.poll(() => statusOf(page), { timeout: STEP_MS }).toBe('Waiting for a scan…');
    },
    TEST_MS,
  );
});

describeMatrix('<qr-login-code> with rotating codes', { qrCodeTtl: 60, rotateEvery: 1 }, (current) => {
  it(
    'swaps in each rotated code and follows the new one',
    async () => {
      const { url } = current();
      const page = await openElement(url);
      const first = await waitForCode(page);
      const rotated = await waitForCode(page, first);
      expect(await decodeQrOf(part(page, 'qr-login-image'))).toBe(rotated);
      const announced = (await eventsOf(page))
        .filter((event) => event.type === 'qr-login-code')
        .map((event) => event.detail);
      expect(announced[0]).toMatchObject({ qrcodeId: first });
      expect(announced.find((code) => code.qrcodeId === rotated)).toMatchObject({
        rotatedFrom: expect.stringMatching(ID),
      });
      // The chain keeps the first code's expiry: the countdown goes on, it does not start again.
      expect(await part(page, 'qr-login-countdown').textContent()).toMatch(/^Expires in 0:[0-5]\d$/);

      // Scanned at once; should a rotation slip in between reading the screen and scanning, the
      // replaced code refuses the scan and the phone scans what the screen shows then, as a person would.
      let onScreen = '';
      await expect
        .poll(
          async () => {
            onScreen = (await idOf(page))!;
            return phoneOf(url, 'alice')
              .scan(onScreen)
              .then(
                () => 'scanned',
                (error: { code?: string }) => error.code,
              );
          },
          { timeout: STEP_MS },
        )
        .toBe('scanned');
      await expect
        .poll(() => statusOf(page), { timeout: STEP_MS })
        .toBe('Alice scanned the code. Confirm on the phone.');
      expect(await idOf(page)).toBe(onScreen);
      const statuses = (await eventsOf(page))
        .filter((event) => event.type === 'qr-login-status')
        .map((event) => event.detail.status);
      expect(statuses).toContain('SCANNED');
    },
    TEST_MS,
  );
});
