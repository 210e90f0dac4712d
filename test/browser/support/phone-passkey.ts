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
  const page = await context.newPage();
  await phoneAt(page, origin, clientDir, token);
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
  return { context, page, cdp, authenticatorId };
}

/**
 * Serves the phone page and the built app client on `origin` and opens it in
 * `page` (the tab keeps its virtual authenticator), with `window.qr` a
 * client of that origin's app logged in with `token`.
 */
export async function phoneAt(page: Page, origin: string, clientDir: string, token: string): Promise<void> {
  const script = [
    "import * as app from '/app/index.mjs';",
    'window.app = app;',
    `window.qr = app.createQrLoginAppClient({ baseUrl: location.origin, getAccessToken: () => ${JSON.stringify(token)} });`,
    'window.phoneReady = true;',
  ].join('\n');
  await page.route(`${origin}/phone`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><title>phone</title><p>phone</p><script type="module">${script}</script>`,
    }),
  );
  await page.route(`${origin}/app/*.mjs`, (route) => {
    const name = new URL(route.request().url()).pathname.slice('/app/'.length);
    return route.fulfill({ contentType: 'text/javascript', body: readFileSync(join(clientDir, 'app', name), 'utf8') });
  });
  await page.goto(`${origin}/phone`);
  await page.waitForFunction(() => (window as unknown as { phoneReady?: boolean }).phoneReady === true);
}

/** What a call in the phone page came to: its value, or the code and status of its rejection. */
export type Outcome = { ok: true; value: any } | { ok: false; code: string; status: number };

/** Runs `body` in the phone page with `qr` (the app client) and `app` (its module); a rejection becomes its code. */
export function onPhone(page: Page, body: string, arg: unknown = undefined): Promise<Outcome> {
  return page.evaluate(
    async ({ body, arg }) => {
      const scope = window as unknown as { qr: unknown; app: unknown };
      try {
        const run = new Function('qr', 'app', 'arg', `return (async () => { ${body} })();`);
        return { ok: true, value: await run(scope.qr, scope.app, arg) };
      } catch (error) {
        const failure = error as { code?: string; status?: number; message?: string };
        return { ok: false, code: failure.code ?? String(failure.message), status: failure.status ?? 0 };
      }
    },
    { body, arg },
  ) as Promise<Outcome>;
}

/** What the phone does to sign a challenge with its passkey (no confirm): the assertion JSON. */
export const SIGN = `
  const options = await qr.passkeyOptions(arg.qrcodeId, arg.matchCode);
  return app.getPasskeyAssertion({ ...options, challenge: arg.challenge });
`;
