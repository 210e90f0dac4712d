import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../../..');

/** A build of the browser client in a folder of its own. */
export interface BuiltClient {
  dir: string;
  remove(): void;
}

/**
 * Compiles `client/` with its own tsconfig into a fresh temporary folder (and
 * the app client, `client/app/`, into its `app/`, as `npm run build:client`
 * lays them out), so a suite serves the current sources and never shares
 * `dist/client` with a concurrent `npm start` or build.
 */
export async function buildClient(): Promise<BuiltClient> {
  const dir = mkdtempSync(join(tmpdir(), 'qr-login-client-'));
  try {
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    await Promise.all([
      promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.client.json', '--outDir', dir], {
        cwd: ROOT,
        timeout: 60_000,
      }),
      promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.app.json', '--outDir', join(dir, 'app')], {
        cwd: ROOT,
        timeout: 60_000,
      }),
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const output = (error as { stdout?: string }).stdout ?? '';
    throw new Error(`The browser client did not compile:\n${output || String(error)}`, { cause: error });
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
