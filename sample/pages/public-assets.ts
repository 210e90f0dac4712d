import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';

/** One file of `sample/public`, held in memory. */
export interface PublicAsset {
  body: string;
  contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml; charset=utf-8',
};

const MARKER = 'index.html';

/**
 * Finds `sample/public` by walking up from each start directory: the sources
 * run from `sample/pages/`, the compiled code from `dist/sample/pages/`, and
 * `tsc` copies no HTML into `dist`, so both must end at the repository's copy.
 */
export function findPublicDir(starts: readonly string[] = [__dirname, process.cwd()]): string {
  for (const start of starts) {
    let dir = resolve(start);
    for (;;) {
      const candidates = [join(dir, 'sample', 'public')];
      if (basename(dir) === 'sample') candidates.unshift(join(dir, 'public'));
      for (const candidate of candidates) {
        if (existsSync(join(candidate, MARKER))) return candidate;
      }
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error(
    `The sample's pages were not found: no sample/public/${MARKER} above ${starts.join(' or ')}. Start the sample from the repository.`,
  );
}

/** The pages and their scripts, read once at start-up so a request never touches the disk. */
export class PublicAssets {
  private constructor(private readonly files: ReadonlyMap<string, PublicAsset>) {}

  static load(dir: string = findPublicDir()): PublicAssets {
    const files = new Map<string, PublicAsset>();
    for (const name of readdirSync(dir)) {
      const contentType = CONTENT_TYPES[extname(name).toLowerCase()];
      if (contentType) files.set(name, { body: readFileSync(join(dir, name), 'utf8'), contentType });
    }
    return new PublicAssets(files);
  }

  /** A file by its exact name; names come from a fixed list, so no path can leave the folder. */
  get(name: string): PublicAsset | undefined {
    return this.files.get(name);
  }

  names(): string[] {
    return [...this.files.keys()];
  }
}
