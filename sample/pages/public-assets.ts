import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';

/** One file of `sample/public` (or of the built client), held in memory. */
export interface PublicAsset {
  body: string;
  contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml; charset=utf-8',
  // Source maps of the client, for the browser's developer tools.
  '.map': 'application/json; charset=utf-8',
};

const MARKER = 'index.html';
const CLIENT_MARKER = 'index.mjs';
/** Names of the client's files under `/assets/`. */
export const CLIENT_PREFIX = 'client/';
/** Names of the app client's files (`nestjs-qr-login/app`, built into `client/app`) under `/assets/`. */
export const APP_CLIENT_PREFIX = 'client/app/';

/** The first `candidates(dir)` holding `marker`, walking up from each start directory. */
function findUp(starts: readonly string[], marker: string, candidates: (dir: string) => string[]): string | undefined {
  for (const start of starts) {
    let dir = resolve(start);
    for (;;) {
      for (const candidate of candidates(dir)) {
        if (existsSync(join(candidate, marker))) return candidate;
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return undefined;
}

/**
 * Finds `sample/public` by walking up from each start directory: the sources
 * run from `sample/pages/`, the compiled code from `dist/sample/pages/`, and
 * `tsc` copies no HTML into `dist`, so both must end at the repository's copy.
 */
export function findPublicDir(starts: readonly string[] = [__dirname, process.cwd()]): string {
  const found = findUp(starts, MARKER, (dir) =>
    basename(dir) === 'sample' ? [join(dir, 'public'), join(dir, 'sample', 'public')] : [join(dir, 'sample', 'public')],
  );
  if (found) return found;
  throw new Error(
    `The sample's pages were not found: no sample/public/${MARKER} above ${starts.join(' or ')}. Start the sample from the repository.`,
  );
}

/**
 * Finds the built browser client (`dist/client`, what `npm run build:client`
 * writes and the package ships as `nestjs-qr-login/client`), or undefined.
 */
export function findClientDir(starts: readonly string[] = [__dirname, process.cwd()]): string | undefined {
  return findUp(starts, CLIENT_MARKER, (dir) =>
    basename(dir) === 'dist' ? [join(dir, 'client'), join(dir, 'dist', 'client')] : [join(dir, 'dist', 'client')],
  );
}

function readFolder(dir: string, prefix: string, files: Map<string, PublicAsset>): void {
  for (const name of readdirSync(dir)) {
    const contentType = CONTENT_TYPES[extname(name).toLowerCase()];
    if (contentType) files.set(`${prefix}${name}`, { body: readFileSync(join(dir, name), 'utf8'), contentType });
  }
}

/** The pages, their scripts and the browser client, read once at start-up so a request never touches the disk. */
export class PublicAssets {
  private constructor(
    private readonly files: ReadonlyMap<string, PublicAsset>,
    /** Where the client was read from; undefined when it is not built. */
    readonly clientDir: string | undefined,
  ) {}

  /**
   * Reads `publicDir` and, under `client/`, the client's modules from
   * `clientDir`. `clientDir: undefined` means "look for dist/client"; when it
   * is not built the pages are served all the same (their scripts then fail
   * to load, and `clientDir` stays undefined so the caller can say so).
   */
  static load(options: { publicDir?: string; clientDir?: string } = {}): PublicAssets {
    const files = new Map<string, PublicAsset>();
    readFolder(options.publicDir ?? findPublicDir(), '', files);
    const clientDir = options.clientDir ?? findClientDir();
    if (clientDir !== undefined) {
      if (!existsSync(join(clientDir, CLIENT_MARKER))) {
        throw new Error(
          `No ${CLIENT_MARKER} in ${clientDir}: build the browser client there (npm run build:client writes dist/client).`,
        );
      }
      readFolder(clientDir, CLIENT_PREFIX, files);
      // The phone page's client; absent in a client built without it, and then the phone page says nothing works.
      const appDir = join(clientDir, 'app');
      if (existsSync(join(appDir, CLIENT_MARKER))) readFolder(appDir, APP_CLIENT_PREFIX, files);
    }
    return new PublicAssets(files, clientDir);
  }

  /** A file by its exact name; names come from a fixed list, so no path can leave the folder. */
  get(name: string): PublicAsset | undefined {
    return this.files.get(name);
  }

  names(): string[] {
    return [...this.files.keys()];
  }
}
