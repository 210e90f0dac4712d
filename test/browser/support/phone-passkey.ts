import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';

/** A free loopback port, so a WebAuthn origin can name it before the app listens on it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The phone: a page of the app's origin with the built app client loaded as `window.qr`, and a virtual authenticator. */
export interface PhonePage {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  authenticatorId: string;
}

/**
 * Opens `origin/phone` (a blank page the test serves; the API behind it is
 * the real app), loads `nestjs-qr-login/app` from `clientDir` as the phone's
 * client with `token` as its login, and adds a CDP virtual authenticator: a
 * platform one (internal, CTAP2) with resident keys and user verification,
 * as a phone's fingerprint or face unlock.
 */
export async function openPhone(
  browser: Browser,
  origin: string,
  clientDir: string,
  token: string,
): Promise<PhonePage> {
  const context = await browser.newContext();
  context.setDefaultTimeout(15_000);
  const script = [
    "import * as app from '/app/index.mjs';",
    'window.app = app;',
    `window.qr = app.createQrLoginAppClient({ baseUrl: location.origin, getAccessToken: () => ${JSON.stringify(token)} });`,
    'window.phoneReady = true;',
  ].join('\n');
  await context.route(`${origin}/phone`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><title>phone</title><p>phone</p><script type="module">${script}</script>`,
    }),
  );
  await context.route(`${origin}/app/*.mjs`, (route) => {
    const name = new URL(route.request().url()).pathname.slice('/app/'.length);
    route.fulfill({ contentType: 'text/javascript', body: readFileSync(join(clientDir, 'app', name), 'utf8') });
  });
  const page = await context.newPage();
  await page.goto(`${origin}/phone`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  await page.waitForFunction(() => (window as unknown as { phoneReady?: boolean }).phoneReady === true);
  return { context, page, cdp, authenticatorId };
}
