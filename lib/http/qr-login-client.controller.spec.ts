import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, type AdapterName } from '../../test/app/test-app';

/*
 * The `serveClient` routes over real HTTP on both adapters: the bytes, the
 * type and caching headers, the 304 on a matching ETag, and the 404 for what
 * the folder does not offer. Apps are made inside the tests: mutation testing
 * credits the tests that reached the code, not a hook.
 */

const WEB = 'export const web = "élément";\n';
const PHONE = 'export const phone = 1;\n';

const open: INestApplication[] = [];
const made: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function clientApp(adapter: AdapterName, maxAge?: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'qr-login-served-'));
  made.push(dir);
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'index.mjs'), WEB);
  writeFileSync(join(dir, 'index.d.mts'), 'declarations');
  writeFileSync(join(dir, 'app', 'index.mjs'), PHONE);
  const serveClient = maxAge === undefined ? { dir } : { dir, maxAge };
  const { app, url } = await createTestApp({ adapter, options: { serveClient } as never });
  open.push(app);
  return `${url}/qr-login/client`;
}

describe.each(ADAPTERS)('QrLoginClientController on %s', (adapter) => {
  it('serves a module as JavaScript with its caching headers', async () => {
    const root = await clientApp(adapter);
    const served = await fetch(`${root}/index.mjs`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(served.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('etag')).toMatch(/^"[\w-]{27}"$/);
    expect(await served.text()).toBe(WEB);
  });

  it('serves the app folder under app/, with the maxAge set', async () => {
    const root = await clientApp(adapter, 60);
    const served = await fetch(`${root}/app/index.mjs`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(served.headers.get('cache-control')).toBe('public, max-age=60');
    expect(await served.text()).toBe(PHONE);
    const web = await fetch(`${root}/index.mjs`);
    expect(served.headers.get('etag')).not.toBe(web.headers.get('etag'));
  });

  it('answers 304 with no body to a matching If-None-Match, and the module to a stale one', async () => {
    const root = await clientApp(adapter);
    const etag = (await fetch(`${root}/index.mjs`)).headers.get('etag')!;
    const again = await fetch(`${root}/index.mjs`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    // A 304 repeats the validator and the caching headers the 200 would carry.
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(again.headers.get('x-content-type-options')).toBe('nosniff');
    const stale = await fetch(`${root}/index.mjs`, { headers: { 'if-none-match': '"old"' } });
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe(WEB);
  });

  it('answers 404 for a file the folder does not offer, saying what to import', async () => {
    const root = await clientApp(adapter);
    for (const path of ['missing.mjs', 'index.d.mts', 'app/missing.mjs', '..%2Fpackage.json', 'app/..%2Findex.mjs']) {
      const refused = await fetch(`${root}/${path}`);
      expect(refused.status, path).toBe(404);
      const body = await refused.json();
      const name = decodeURIComponent(path);
      expect(body.message, path).toBe(
        `The client has no module ${name}; import index.mjs (or app/index.mjs) from this folder.`,
      );
    }
  });
});

describe('QrLoginModule without serveClient', () => {
  it('mounts no client route', async () => {
    const { app, url } = await createTestApp({ adapter: 'express' });
    open.push(app);
    expect((await fetch(`${url}/qr-login/client/index.mjs`)).status).toBe(404);
  });
});
