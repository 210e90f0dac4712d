import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { QrLoginConfigError } from '../kernel/qr-login.errors';
import type { QrLoginServeClientOptions } from '../kernel/interfaces/qr-login-options.interface';

/** One file of the client, ready to send. @internal */
export interface QrLoginClientFile {
  /** The module's text (UTF-8), sent as a string so both adapters keep the Content-Type set before it. */
  body: string;
  etag: string;
}

/** The client's modules by their path under `/<prefix>/client/` (`index.mjs`, `app/index.mjs`). @internal */
export interface QrLoginClientAssets {
  files: ReadonlyMap<string, QrLoginClientFile>;
  cacheControl: string;
}

/** @internal */
export const QR_LOGIN_CLIENT_ASSETS = 'QR_LOGIN:CLIENT_ASSETS';

/**
 * The package's built client: the `client` folder of the nearest `dist` above this file's compiled form
 * (the bundle puts it in `dist/lib` or `dist/lib/shared`, whichever its entries need); from the
 * source tree, the repository's `client` folder. `from` is the folder to start at (this file's).
 * @internal
 */
export function packagedClientDir(from = __dirname): string {
  let dir = from;
  for (let parent = dirname(dir); parent !== dir; dir = parent, parent = dirname(dir)) {
    if (basename(dir) === 'lib' && basename(parent) === 'dist') return join(parent, 'client');
  }
  return resolve(from, '..', '..', 'client');
}
const DEFAULT_MAX_AGE_S = 3600;

function modulesIn(dir: string, prefix: string, into: Map<string, QrLoginClientFile>): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    // Only the ES modules: declarations and anything else in the folder stay private.
    if (!/^[\w.-]+\.mjs$/.test(name) || name.endsWith('.d.mjs')) continue;
    const body = readFileSync(join(dir, name), 'utf8');
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    into.set(`${prefix}${name}`, { body, etag });
  }
}

/**
 * Reads the client's modules once, while the module is declared, so a missing
 * build stops the app at start with what to do rather than 404s in the page.
 * @internal
 */
export function loadQrLoginClientAssets(setting: unknown): QrLoginClientAssets | undefined {
  if (setting === undefined || setting === false) return undefined;
  if (setting !== true && (typeof setting !== 'object' || setting === null)) {
    throw new QrLoginConfigError(`"serveClient" must be true or { dir?, maxAge? }; got ${JSON.stringify(setting)}.`);
  }
  const options = setting === true ? {} : (setting as QrLoginServeClientOptions);
  const maxAge = options.maxAge ?? DEFAULT_MAX_AGE_S;
  if (!Number.isInteger(maxAge) || maxAge < 0) {
    throw new QrLoginConfigError(
      `"serveClient.maxAge" must be a whole number of seconds; got ${JSON.stringify(maxAge)}.`,
    );
  }
  const dir = options.dir ?? packagedClientDir();
  const files = new Map<string, QrLoginClientFile>();
  modulesIn(dir, '', files);
  modulesIn(join(dir, 'app'), 'app/', files);
  if (!files.has('index.mjs')) {
    throw new QrLoginConfigError(
      `"serveClient" found no index.mjs in ${dir}: point serveClient.dir at the built client (npm run build:client writes dist/client), or reinstall the package.`,
    );
  }
  return { files, cacheControl: `public, max-age=${maxAge}` };
}
