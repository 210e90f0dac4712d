import { mkdirSync, readFileSync } from 'node:fs';
import { AuthenticationClient as LegacyAuthenticationClient } from 'authing-js-sdk';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QrLoginContext, QrLoginModuleOptions } from '../../lib';
import type { QrLoginGenAuthModuleOptions } from '../../lib/plugins/genauth';
import { ADAPTERS, APP_USERS, createTestApp, type AdapterName } from '../app/test-app';
import { useChromium, type SuiteChromium } from '../browser/support/browser';
import { ManualClock } from '../support/manual-clock';

/*
 * GenAuth's legacy V2 QR routes, driven by authing-js-sdk itself: its Node
 * build for the web-side calls, plain HTTP for the app-side calls (which
 * GenAuth documents as REST and the SDK does not wrap), and its browser build
 * running QrCodeAuthenticationClient.startScanning in a real Chromium.
 */

const APP_ID = 'qr-web-app';
const APP_SECRET = 'correct-horse-battery-staple';

const issueTokenSet: QrLoginModuleOptions['issueTokenSet'] = (user: any) => ({
  access_token: `session-for-${user.id}`,
  expires_in: 3600,
});
// The full fixture user, so the V2 user info can carry its username.
const loadUser: QrLoginModuleOptions['loadUser'] = (userId) =>
  Object.values(APP_USERS).find((user) => user.id === userId) ?? null;

interface RunningApp {
  url: string;
  authorized: QrLoginContext[];
  close(): Promise<void>;
}

async function boot(
  adapter: AdapterName,
  extra: Partial<QrLoginModuleOptions> = {},
  genauth: QrLoginGenAuthModuleOptions = { appId: APP_ID },
): Promise<RunningApp> {
  const authorized: QrLoginContext[] = [];
  const { app, url } = await createTestApp({
    adapter,
    genauth: { v3: false, v2: true, ...genauth },
    options: { issueTokenSet, loadUser, onAuthorized: (context) => void authorized.push(context), ...extra },
  });
  return { url, authorized, close: () => app.close() };
}

/** A V2 app-side call as GenAuth documents it: JSON `{ random }` and the user's token in Authorization. */
async function appSide(
  url: string,
  action: 'scanned' | 'confirm' | 'cancel',
  random: string,
  authorization?: string,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/api/v2/qrcode/${action}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-authing-app-id': APP_ID,
      ...(authorization ? { authorization } : {}),
    },
    body: JSON.stringify({ random }),
  });
  return { status: response.status, body: await response.json() };
}

function legacyClient(url: string): LegacyAuthenticationClient {
  return new LegacyAuthenticationClient({ appId: APP_ID, appHost: url, timeout: 5000 });
}

describe.each(ADAPTERS)('GenAuth V2 compatible routes with authing-js-sdk (%s)', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await boot(adapter);
  });
  afterAll(() => running?.close());

  it('geneCode → checkStatus 0 → scanned → 1 with nickname → confirm → 2 with ticket → exchangeUserInfo once', async () => {
    const { url } = running;
    const client = legacyClient(url);
    const code = await client.qrcode.geneCode({ customData: { campaign: 'spring' } });
    expect(code).toEqual({
      random: expect.any(String),
      url: expect.stringMatching(/^data:image\/svg\+xml;base64,/),
      expiresIn: 120,
    });
    const { random } = code;

    expect(await client.qrcode.checkStatus(random)).toEqual({ random, status: 0, ticket: null, userInfo: {} });

    const scanned = await appSide(url, 'scanned', random, 'Bearer token-alice');
    expect(scanned).toEqual({
      status: 200,
      body: { code: 200, message: expect.any(String), data: { random, status: 1, description: expect.any(String) } },
    });
    expect(await client.qrcode.checkStatus(random)).toEqual({
      random,
      status: 1,
      ticket: null,
      userInfo: { nickname: 'Alice', photo: 'https://example.test/alice.png' },
    });

    // GenAuth's SDKs also send the token bare.
    const confirmed = await appSide(url, 'confirm', random, 'token-alice');
    expect(confirmed.body).toMatchObject({ code: 200, data: { random, status: 2 } });
    const authorized = await client.qrcode.checkStatus(random);
    expect(authorized).toMatchObject({ random, status: 2, userInfo: { nickname: 'Alice' } });
    expect(authorized.ticket).toEqual(expect.any(String));
    // The SDK's customData travels as "params" and reaches the hooks.
    expect(running.authorized.find((c) => c.qrcodeId === random)?.customData).toEqual({ campaign: 'spring' });

    const user = await client.qrcode.exchangeUserInfo(authorized.ticket!);
    expect(user).toEqual({
      id: 'u-alice',
      nickname: 'Alice',
      photo: 'https://example.test/alice.png',
      username: 'alice',
      token: 'session-for-u-alice',
      tokenExpiredAt: expect.any(String),
    });
    const expiresAt = Date.parse((user as { tokenExpiredAt: string }).tokenExpiredAt);
    expect(expiresAt - Date.now()).toBeGreaterThan(3_590_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(3_600_000);

    await expect(client.qrcode.exchangeUserInfo(authorized.ticket!)).rejects.toMatchObject({ code: 401 });
  });

  it('cancel after scanned gives status 3; only the scanner may confirm; errors keep the V2 envelope', async () => {
    const { url } = running;
    const client = legacyClient(url);
    const { random } = await client.qrcode.geneCode();

    const anonymous = await appSide(url, 'scanned', random);
    expect(anonymous).toEqual({ status: 200, body: { code: 2020, message: expect.any(String), data: null } });
    expect((await appSide(url, 'confirm', random, 'Bearer token-bob')).body.code).toBe(409);
    await appSide(url, 'scanned', random, 'Bearer token-bob');
    expect((await appSide(url, 'confirm', random, 'Bearer token-alice')).body.code).toBe(403);
    const cancelled = await appSide(url, 'cancel', random, 'Bearer token-bob');
    expect(cancelled.body).toMatchObject({ code: 200, data: { random, status: 3 } });
    expect(await client.qrcode.checkStatus(random)).toMatchObject({ status: 3, ticket: null });

    await expect(client.qrcode.checkStatus('no-such-code')).rejects.toMatchObject({ code: 2241 });
    expect((await appSide(url, 'scanned', 'AAAAAAAAAAAAAAAAAAAAAP____8', 'Bearer token-alice')).body.code).toBe(2241);
    await expect(client.qrcode.exchangeUserInfo('made-up')).rejects.toMatchObject({ code: 401 });
    // Only the self-built app scene is served; the mini-program client is refused with a reason.
    await expect(client.wxqrcode.geneCode()).rejects.toMatchObject({
      code: 400,
      message: expect.stringContaining('APP_AUTH'),
    });

    const missing = await fetch(`${url}/api/v2/qrcode/check`, { headers: { 'x-authing-app-id': APP_ID } });
    expect(missing.status).toBe(200);
    expect(await missing.json()).toMatchObject({ code: 400, message: expect.stringContaining('"random"'), data: null });
  });

  it('applies the configured client authentication to qrcode/userinfo', async () => {
    const confidential = await boot(
      adapter,
      {},
      { tokenEndpointAuthMethod: 'client_secret_basic', clientId: APP_ID, clientSecret: APP_SECRET },
    );
    try {
      const client = legacyClient(confidential.url);
      const { random } = await client.qrcode.geneCode();
      await appSide(confidential.url, 'scanned', random, 'Bearer token-alice');
      await appSide(confidential.url, 'confirm', random, 'Bearer token-alice');
      const { ticket } = await client.qrcode.checkStatus(random);
      await expect(client.qrcode.exchangeUserInfo(ticket!)).rejects.toMatchObject({ code: 401 });
      const basic = `Basic ${Buffer.from(`${APP_ID}:${APP_SECRET}`).toString('base64')}`;
      const response = await fetch(`${confidential.url}/api/v2/qrcode/userinfo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic },
        body: JSON.stringify({ ticket }),
      });
      expect(await response.json()).toMatchObject({ code: 200, data: { id: 'u-alice', token: 'session-for-u-alice' } });
    } finally {
      await confidential.close();
    }
  });
});

// ------------------------------------------------------------------ browser

const SDK_BROWSER_BUILD = readFileSync(require.resolve('authing-js-sdk/build/browser/index.min.js'), 'utf8');

/** The page under test: the SDK's browser build and startScanning, reporting every callback into window.events. */
const PAGE = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>startScanning</title></head>
<body>
<div id="qrcode"></div>
<script src="/__sdk-test/authing-js-sdk.js"></script>
<script>
  window.events = [];
  const push = (type, extra) => window.events.push(Object.assign({ type }, extra));
  const client = new window.Authing.AuthenticationClient({ appId: ${JSON.stringify(APP_ID)}, appHost: location.origin });
  client.qrcode.startScanning('qrcode', {
    interval: 250,
    autoExchangeUserInfo: true,
    onCodeShow: (random) => push('show', { random }),
    onScanned: (userInfo) => push('scanned', { userInfo }),
    onSuccess: (userInfo, ticket) => push('success', { userInfo, ticket }),
    onCancel: () => push('cancel'),
    onExpired: () => push('expired'),
    onError: (error) => push('error', { message: String((error && error.message) || error) }),
  });
</script>
</body>
</html>`;

interface PageEvent {
  type: string;
  random?: string;
  userInfo?: Record<string, unknown>;
  ticket?: string;
  message?: string;
}

/**
 * Opens the page as if the app served it (same origin, so the SDK's
 * credentialed requests need no CORS). The two test files come from this
 * process; every other request goes to the app, and nothing leaves loopback.
 */
async function openScanningPage(
  chromium: SuiteChromium,
  appUrl: string,
): Promise<{ page: Page; errors: string[]; close(): Promise<void> }> {
  const context = await chromium.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const origin = new URL(appUrl).origin;
  await page.route('**/*', async (route) => {
    const target = new URL(route.request().url());
    if (target.origin !== origin) return route.abort();
    if (target.pathname === '/__sdk-test/page.html') return route.fulfill({ contentType: 'text/html', body: PAGE });
    if (target.pathname === '/__sdk-test/authing-js-sdk.js') {
      return route.fulfill({ contentType: 'text/javascript', body: SDK_BROWSER_BUILD });
    }
    return route.continue();
  });
  await page.goto(`${origin}/__sdk-test/page.html`);
  return { page, errors, close: () => context.close() };
}

async function waitForEvent(page: Page, type: string, timeout = 10_000): Promise<PageEvent> {
  await page.waitForFunction(`window.events.some((e) => e.type === ${JSON.stringify(type)})`, undefined, { timeout });
  return (await events(page)).find((e) => e.type === type)!;
}

function events(page: Page): Promise<PageEvent[]> {
  return page.evaluate('window.events') as Promise<PageEvent[]>;
}

describe('authing-js-sdk startScanning in Chromium', () => {
  const chromium = useChromium();

  describe.each(ADAPTERS)('against %s', (adapter) => {
    it('calls onScanned, then onSuccess with the ticket and the exchanged user, as the phone confirms', async () => {
      const running = await boot(adapter);
      const opened = await openScanningPage(chromium, running.url);
      try {
        const { random } = await waitForEvent(opened.page, 'show');
        expect(random).toEqual(expect.any(String));

        expect((await appSide(running.url, 'scanned', random!, 'Bearer token-alice')).body.code).toBe(200);
        const scanned = await waitForEvent(opened.page, 'scanned');
        expect(scanned.userInfo).toEqual({ nickname: 'Alice', photo: 'https://example.test/alice.png' });

        expect((await appSide(running.url, 'confirm', random!, 'token-alice')).body.code).toBe(200);
        const success = await waitForEvent(opened.page, 'success');
        expect(success.ticket).toEqual(expect.any(String));
        // autoExchangeUserInfo: the SDK itself exchanged the ticket through qrcode/userinfo.
        expect(success.userInfo).toMatchObject({ id: 'u-alice', nickname: 'Alice', token: 'session-for-u-alice' });

        const order = (await events(opened.page)).map((e) => e.type);
        expect(order.indexOf('scanned')).toBeLessThan(order.indexOf('success'));
        expect(order).not.toContain('error');
        expect(opened.errors).toEqual([]);
        mkdirSync('artifacts', { recursive: true });
        await opened.page.screenshot({ path: `artifacts/genauth-v2-start-scanning-${adapter}.png` });

        // The ticket was used by the page; it does not work twice.
        const again = await fetch(`${running.url}/api/v2/qrcode/userinfo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-authing-app-id': APP_ID },
          body: JSON.stringify({ ticket: success.ticket }),
        });
        expect(await again.json()).toMatchObject({
          code: 401,
          message: expect.stringContaining('already redeemed'),
          data: null,
        });
      } finally {
        await opened.close();
        await running.close();
      }
    });

    it("calls onExpired once a code is left alone past its lifetime (on the server's manual clock)", async () => {
      // The page polls in real time; the code's lifetime passes on the server when the test moves its clock.
      const clock = new ManualClock();
      const running = await boot(adapter, { clock, qrCodeTtl: 60 });
      const opened = await openScanningPage(chromium, running.url);
      try {
        await waitForEvent(opened.page, 'show');
        // Code lifetimes are whole seconds, rounded up: between 60 and 61 s after creation.
        clock.advance(59_999);
        // A few of the page's polls see the code still alive.
        await opened.page.waitForTimeout(1_500);
        expect((await events(opened.page)).map((e) => e.type)).not.toContain('expired');
        clock.advance(1_002);
        await waitForEvent(opened.page, 'expired', 10_000);
        const seen = (await events(opened.page)).map((e) => e.type);
        expect(seen).not.toContain('scanned');
        expect(seen).not.toContain('success');
        expect(opened.errors).toEqual([]);
      } finally {
        await opened.close();
        await running.close();
      }
    });
  });
});
