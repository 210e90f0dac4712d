import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';

const ROOT = resolve(__dirname, '../../..');

/** A build of the browser client in a folder of its own. */
export interface BuiltClient {
  dir: string;
  remove(): void;
}

/**
 * Builds the clients as `npm run build:client` does (scripts/build.mjs) into a
 * fresh temporary folder, so a suite serves the current sources and never
 * shares `dist/client` with a concurrent `npm start` or build.
 */
export async function buildClient(): Promise<BuiltClient> {
  const out = mkdtempSync(join(tmpdir(), 'qr-login-client-'));
  try {
    await promisify(execFile)(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--client', '--out', out], {
      cwd: ROOT,
      timeout: 60_000,
    });
  } catch (error) {
    rmSync(out, { recursive: true, force: true });
    const output = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`The browser client did not build:\n${output || String(error)}`, { cause: error });
  }
  return { dir: join(out, 'client'), remove: () => rmSync(out, { recursive: true, force: true }) };
}

/** The suite's build of the client, from `useBuiltClient()`. */
export interface SuiteClient {
  /** The folder of the build (laid out as `dist/client`), once the suite's `beforeAll` ran. */
  readonly dir: string;
}

/**
 * One build of the client for the suite (or the `describe`) it is called in:
 * compiled before its tests (`buildClient`, given 90 s, since both compilers
 * run at once on a machine busy with other suites), removed after the suite.
 * Hooks run in the order they are declared: call it before a `beforeAll`
 * that serves `dir`.
 */
export function useBuiltClient(): SuiteClient {
  let built: BuiltClient | undefined;
  beforeAll(async () => {
    built = await buildClient();
  }, 90_000);
  afterAll(() => built?.remove());
  return {
    get dir() {
      if (!built)
        throw new Error('useBuiltClient(): the build is there once the suite started (use it in tests and hooks).');
      return built.dir;
    },
  };
}
