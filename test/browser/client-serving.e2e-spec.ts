import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Controller, Get, Header, type INestApplication, Module, SetMetadata } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQrLoginAppClient } from '../../client/app/index.mjs';
import { isQrLoginController, QrLoginModule } from '../../lib';
import { ADAPTERS, fixtureOptions } from '../app/test-app';
import { decodeQrOf, screenshotPath, useChromium } from './support/browser';
import { useBuiltClient } from './support/build-client';

/*
 * docs/client.md, as written: a plain Nest app whose page loads <qr-login-code>
 * through the module's `serveClient` route and an import map, and the same
 * page with its script bundled by esbuild instead. The page, its script and
 * the bundler's entry are the documentation's own blocks.
 */

const ROOT = resolve(__dirname, '../..');
const STEP_MS = 10_000;
const TEST_MS = 60_000;
const ID = /^[\w-]{27}$/;

/** The first block of `lang` in docs/client.md, or the one after `<!-- docs-test: file=NAME -->`. */
function docsBlock(lang: string, file?: string): string {
  const markdown = readFileSync(join(ROOT, 'docs/client.md'), 'utf8');
  const marker = file ? `<!-- docs-test: file=${file} -->\n\n` : '';
  const start = markdown.indexOf(`${marker}\`\`\`${lang}\n`);
  expect(start, `docs/client.md has a ${lang} block ${file ?? ''}`).toBeGreaterThanOrEqual(0);
  const body = markdown.indexOf('\n', start + marker.length) + 1;
  return markdown.slice(body, markdown.indexOf('\n```', body));
}

/** The page and its script, as the app serves them (set per suite). */
const served = { html: '', script: '' };

@Controller()
class PagesController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return served.html;
  }

  @Get('login.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  script(): string {
    return served.script;
  }
}

@Module({ controllers: [PagesController] })
class PagesModule {}

const chromium = useChromium();
const client = useBuiltClient();
let scratch: string;
let bundled: string;

/** The docs' esbuild entry, bundled against a package laid out as npm installs it (`exports` included). */
async function bundleDocsEntry(): Promise<string> {
  const pkg = join(scratch, 'node_modules', 'nestjs-qr-login');
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), readFileSync(join(ROOT, 'package.json')));
  symlinkSync(client.dir, join(pkg, 'dist', 'client'), 'dir');
  writeFileSync(join(scratch, 'login-page.mts'), docsBlock('ts', 'login-page.mts'));
  const result = await build({
    absWorkingDir: scratch,
    entryPoints: ['login-page.mts'],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'qr-login-bundle-'));
  bundled = await bundleDocsEntry();
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function startApp(adapter: (typeof ADAPTERS)[number]): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({
    imports: [QrLoginModule.forRoot({ ...fixtureOptions(), serveClient: { dir: client.dir } }), PagesModule],
  }).compile();
  const app = moduleRef.createNestApplication(adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(), {
    logger: false,
    forceCloseConnections: true,
  });
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

/** Opens the app's page (loopback only) and records every response the page got. */
async function openPage(url: string): Promise<{ page: Page; responses: Map<string, Headers & { status: number }> }> {
  const context = await chromium.newContext({ viewport: { width: 480, height: 800 } });
  context.setDefaultTimeout(STEP_MS);
  await context.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => route.abort());
  const page = await context.newPage();
  const responses = new Map<string, Headers & { status: number }>();
  page.on('response', (response) => {
    const headers = Object.assign(new Headers(response.headers()), { status: response.status() });
    responses.set(new URL(response.url()).pathname, headers);
  });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${url}/`);
  expect(errors).toEqual([]);
  return { page, responses };
}

const imageOf = (page: Page) => page.locator('qr-login-code .qr-login-image');
const statusOf = async (page: Page) => (await page.locator('qr-login-code .qr-login-status').textContent()) ?? '';

/** The element shows a code whose QR decodes to its id, and a phone's scan reaches the page. */
async function scanShown(page: Page, url: string, shot: string): Promise<void> {
  await expect.poll(() => imageOf(page).getAttribute('data-qrcode-id'), { timeout: STEP_MS }).toMatch(ID);
  const id = (await imageOf(page).getAttribute('data-qrcode-id'))!;
  expect(await decodeQrOf(imageOf(page))).toBe(id);
  const phone = createQrLoginAppClient({ baseUrl: url, getAccessToken: () => 'token-alice' });
  await phone.scan(id);
  await expect.poll(() => statusOf(page), { timeout: STEP_MS }).toBe('Alice scanned the code. Confirm on the phone.');
  await page.screenshot({ path: screenshotPath(shot) });
}

describe.each(ADAPTERS)('docs/client.md on %s', (adapter) => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startApp(adapter));
  });

  afterAll(() => app?.close());

  it(
    'without a bundler: the page loads the element through serveClient and an import map, and shows a scan',
    async () => {
      served.html = docsBlock('html');
      served.script = docsBlock('js');
      expect(served.html).toContain('"nestjs-qr-login/client": "/qr-login/client/index.mjs"');
      const { page, responses } = await openPage(url);
      await scanShown(page, url, `client-serving-import-map-${adapter}`);
      // Every module of the client came from the module's route, as JavaScript (the build bundles the
      // client into one module per entry, plus shared chunks beside it when there are any).
      const modules = [...responses.keys()].filter((path) => path.startsWith('/qr-login/client/'));
      expect(modules).toContain('/qr-login/client/index.mjs');
      for (const path of modules) {
        const headers = responses.get(path)!;
        expect(headers.status, path).toBe(200);
        expect(headers.get('content-type'), path).toBe('text/javascript; charset=utf-8');
      }
    },
    TEST_MS,
  );

  it(
    'with esbuild: the bundled page needs no route of the module, and shows a scan',
    async () => {
      served.html = docsBlock('html').replace(/\s*<script type="importmap">[\s\S]*?<\/script>/, '');
      served.script = bundled;
      expect(served.html).not.toContain('importmap');
      const { page, responses } = await openPage(url);
      await scanShown(page, url, `client-serving-esbuild-${adapter}`);
      expect([...responses.keys()].filter((path) => path.startsWith('/qr-login/client/'))).toEqual([]);
    },
    TEST_MS,
  );

  it('serves each built module with its type, caching headers and a 304 on a matching ETag, and nothing else', async () => {
    const first = await fetch(`${url}/qr-login/client/index.mjs`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(first.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await first.text()).toBe(readFileSync(join(client.dir, 'index.mjs'), 'utf8'));
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);

    const again = await fetch(`${url}/qr-login/client/index.mjs`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');

    const app = await fetch(`${url}/qr-login/client/app/index.mjs`);
    expect(app.status).toBe(200);
    expect(await app.text()).toContain('createQrLoginAppClient');

    for (const path of ['index.d.mts', 'missing.mjs', 'app/index.d.mts', '..%2Fpackage.json'])
      expect((await fetch(`${url}/qr-login/client/${path}`)).status, path).toBe(404);
  });
});

describe('serveClient setting', () => {
  it('is off by default: no client route', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [QrLoginModule.forRoot(fixtureOptions())] }).compile();
    const app = moduleRef.createNestApplication(new ExpressAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    try {
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      expect((await fetch(`${url}/qr-login/client/index.mjs`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('mounts the client route like the other routes of the module, with the routeDecorators of the app', () => {
    const module = QrLoginModule.forRoot({
      ...fixtureOptions(),
      serveClient: { dir: client.dir },
      routeDecorators: [SetMetadata('isPublic', true)],
    });
    const mounted = (module.controllers ?? []).find((c) => c.name === 'QrLoginClientController');
    expect(mounted).toBeDefined();
    expect(isQrLoginController(mounted)).toBe(true);
    expect(Reflect.getMetadata('isPublic', mounted!)).toBe(true);
  });

  it('refuses a folder without the built client, saying what to point it at', () => {
    const empty = mkdtempSync(join(tmpdir(), 'qr-login-noclient-'));
    try {
      expect(() => QrLoginModule.forRoot({ ...fixtureOptions(), serveClient: { dir: empty } })).toThrow(
        /"serveClient" found no index\.mjs in .*npm run build:client/,
      );
      expect(() => QrLoginModule.forRoot({ ...fixtureOptions(), serveClient: { maxAge: -1 } })).toThrow(
        /"serveClient.maxAge" must be a whole number of seconds/,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
