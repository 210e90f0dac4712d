import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import jsQR from 'jsqr';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** Chromium from the system (Debian's `chromium` package); `CHROMIUM_BIN` points elsewhere. */
export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/** Where the suites leave a screenshot of each step for a reviewer (git-ignored). */
export const SCREENSHOT_DIR = resolve(__dirname, '../../../artifacts/screenshots');

/**
 * Launches headless Chromium with nothing that reaches the network by itself.
 * Throws (never skips) when it is missing, so such a machine fails the suite
 * instead of passing fewer tests.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_BIN)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_BIN}; install it (apt-get install -y chromium) or set CHROMIUM_BIN — the browser suites need a real browser`,
    );
  }
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 30_000,
  });
}

/** The suite's Chromium, from `useChromium()`. */
export interface SuiteChromium {
  /** The browser, once the suite's `beforeAll` ran. */
  readonly browser: Browser;
  /** A new context of the browser, closed after the current test. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
}

/**
 * One Chromium for the suite (or the \`describe\`) it is called in: launched
 * before its tests (\`launchChromium\`, so \`CHROMIUM_BIN\` applies), each
 * test's contexts closed after the test, the browser closed after the suite.
 */
export function useChromium(): SuiteChromium {
  let browser: Browser | undefined;
  const contexts = new Set<BrowserContext>();
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterEach(async () => {
    for (const context of contexts) await context.close();
    contexts.clear();
  });
  afterAll(async () => {
    await browser?.close();
  });
  const launched = (): Browser => {
    if (!browser)
      throw new Error('useChromium(): the browser is there once the suite started (use it in tests and hooks).');
    return browser;
  };
  return {
    get browser() {
      return launched();
    },
    async newContext(options) {
      const context = await launched().newContext(options);
      contexts.add(context);
      return context;
    },
  };
}

/** `artifacts/screenshots/<name>.png`. */
export function screenshotPath(name: string): string {
  return join(SCREENSHOT_DIR, `${name}.png`);
}

/** The text inside the QR code an element shows, read from a screenshot of it; undefined when none is found. */
export async function decodeQrOf(element: Locator): Promise<string | undefined> {
  const png = PNG.sync.read(await element.screenshot());
  const found = jsQR(
    new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length),
    png.width,
    png.height,
  );
  return found?.data;
}
