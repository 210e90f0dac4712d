import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QrLoginConfigError } from '../kernel/qr-login.errors';
import { loadQrLoginClientAssets, packagedClientDir } from './qr-login-client.assets';

/*
 * What `serveClient` reads while the module is declared: which folder, which
 * files of it (ES modules only), their ETags and caching header, and the
 * settings it refuses with what to do.
 */

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A client folder holding `files` (path under it → text). */
function clientDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'qr-login-client-'));
  made.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const etagOf = (text: string) => `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;

function refusal(setting: unknown): string {
  try {
    loadQrLoginClientAssets(setting);
  } catch (error) {
    expect(error).toBeInstanceOf(QrLoginConfigError);
    return (error as Error).message.replace(/^QrLoginModule is misconfigured: /, '');
  }
  throw new Error(`${JSON.stringify(setting)} was accepted`);
}

describe('packagedClientDir', () => {
  it('finds the client beside the nearest dist/lib above the compiled file, at any depth', () => {
    expect(packagedClientDir('/pkg/dist/lib')).toBe('/pkg/dist/client');
    expect(packagedClientDir('/pkg/dist/lib/shared')).toBe('/pkg/dist/client');
    expect(packagedClientDir('/pkg/dist/lib/a/b')).toBe('/pkg/dist/client');
  });

  it('from the source tree (no dist/lib above), takes the client folder two levels up', () => {
    expect(packagedClientDir('/repo/lib/http')).toBe('/repo/client');
    // A lib not under dist, or a dist without lib, is not the package's build.
    expect(packagedClientDir('/repo/lib/a/b')).toBe('/repo/lib/client');
    expect(packagedClientDir('/repo/dist/other/y/z')).toBe('/repo/dist/other/client');
    expect(packagedClientDir('/')).toBe('/client');
  });

  it("starts at this file's folder by default", () => {
    expect(packagedClientDir()).toBe(resolve(__dirname, '..', '..', 'client'));
  });
});

describe('loadQrLoginClientAssets', () => {
  it('serves nothing when the setting is absent or false', () => {
    expect(loadQrLoginClientAssets(undefined)).toBeUndefined();
    expect(loadQrLoginClientAssets(false)).toBeUndefined();
  });

  it('reads the ES modules of the folder and of its app folder, each with an ETag of its text', () => {
    const dir = clientDir({
      'index.mjs': 'export const web = 1;',
      'chunk-A1_b.mjs': 'export const chunk = 2;',
      'index.d.mjs': 'declarations',
      'index.d.mts': 'declarations',
      'a b.mjs': 'a name a URL cannot hold',
      'index.mjs.map': '{}',
      'README.md': '# private',
      'app/index.mjs': 'export const phone = 3;',
      'app/index.d.mjs': 'declarations',
    });
    const assets = loadQrLoginClientAssets({ dir })!;
    expect([...assets.files.keys()].sort()).toEqual(['app/index.mjs', 'chunk-A1_b.mjs', 'index.mjs']);
    expect(assets.files.get('index.mjs')).toEqual({
      body: 'export const web = 1;',
      etag: etagOf('export const web = 1;'),
    });
    expect(assets.files.get('app/index.mjs')).toEqual({
      body: 'export const phone = 3;',
      etag: etagOf('export const phone = 3;'),
    });
    expect(assets.files.get('index.mjs')!.etag).toMatch(/^"[\w-]{27}"$/);
    expect(assets.cacheControl).toBe('public, max-age=3600');
  });

  it('needs no app folder', () => {
    const dir = clientDir({ 'index.mjs': 'export {};' });
    expect([...loadQrLoginClientAssets({ dir })!.files.keys()]).toEqual(['index.mjs']);
  });

  it('takes maxAge in whole seconds, 0 included', () => {
    const dir = clientDir({ 'index.mjs': 'export {};' });
    expect(loadQrLoginClientAssets({ dir, maxAge: 0 })!.cacheControl).toBe('public, max-age=0');
    expect(loadQrLoginClientAssets({ dir, maxAge: 60 })!.cacheControl).toBe('public, max-age=60');
  });

  it('refuses a setting that is neither true nor an object', () => {
    for (const setting of ['yes', 1, null]) {
      expect(refusal(setting)).toBe(`"serveClient" must be true or { dir?, maxAge? }; got ${JSON.stringify(setting)}.`);
    }
  });

  it('refuses a maxAge that is not a whole number of seconds', () => {
    const dir = clientDir({ 'index.mjs': 'export {};' });
    for (const maxAge of [-1, 1.5, '60']) {
      expect(refusal({ dir, maxAge })).toBe(
        `"serveClient.maxAge" must be a whole number of seconds; got ${JSON.stringify(maxAge)}.`,
      );
    }
  });

  it('refuses a folder without index.mjs, missing or not built, naming it and what to do', () => {
    const missing = join(tmpdir(), 'qr-login-client-missing-folder');
    const unbuilt = clientDir({ 'index.mts': 'export {};', 'app/index.mjs': 'export {};' });
    const told = (dir: string) =>
      `"serveClient" found no index.mjs in ${dir}: point serveClient.dir at the built client (npm run build:client writes dist/client), or reinstall the package.`;
    expect(refusal({ dir: missing })).toBe(told(missing));
    expect(refusal({ dir: unbuilt })).toBe(told(unbuilt));
    // `true` (and an object without dir) looks in the package's client: the source tree has no build there.
    expect(refusal(true)).toBe(told(packagedClientDir()));
    expect(refusal({ maxAge: 5 })).toBe(told(packagedClientDir()));
  });
});
