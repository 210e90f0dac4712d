import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const run = promisify(execFile);

/** `nestjs-qr-login/client` as a consumer installs it: the manifest and the client's own build. */
describe('the client entry of the package', () => {
  let consumer: string;
  let pkg: string;

  beforeAll(async () => {
    consumer = mkdtempSync(join(tmpdir(), 'qr-login-client-consumer-'));
    pkg = join(consumer, 'node_modules', 'nestjs-qr-login');
    mkdirSync(pkg, { recursive: true });
    copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'));
    await run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--client', '--out', join(pkg, 'dist')], {
      cwd: root,
      timeout: 60_000,
    });
  }, 90_000);

  afterAll(() => rmSync(consumer, { recursive: true, force: true }));

  it('is declared with types, import and default, and shipped', () => {
    const entry = manifest.exports['./client'];
    expect(entry).toEqual({
      types: './dist/client/index.d.mts',
      import: './dist/client/index.mjs',
      default: './dist/client/index.mjs',
    });
    expect(manifest.files).toContain(dirname(entry.import).replace(/^\.\//, ''));
    for (const path of [entry.types, entry.import]) expect(() => readFileSync(join(pkg, path))).not.toThrow();
  });

  it('imports as an ES module, without a DOM at load time', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { startQrLogin, isTerminalQrLoginStatus } from 'nestjs-qr-login/client'; console.log(typeof startQrLogin, isTerminalQrLoginStatus('EXPIRED'), isTerminalQrLoginStatus('SCANNED'))",
      ],
      { cwd: consumer, timeout: 30_000 },
    );
    expect(stdout.trim()).toBe('function true false');
  });

  it.each(['client', 'client/app'])('depends on nothing: the modules of dist/%s import only each other', (folder) => {
    const dir = join(pkg, 'dist', folder);
    const modules = readdirSync(dir).filter((name) => name.endsWith('.mjs'));
    expect(modules).toContain('index.mjs');
    const specifiers = modules.flatMap((name) =>
      [...readFileSync(join(dir, name), 'utf8').matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map(
        (m) => m[1],
      ),
    );
    // Bundled: siblings only: neither a package nor the other entry's folder.
    for (const specifier of specifiers) expect(specifier).toMatch(/^\.\/[\w.-]+\.mjs$/);
  });

  it('gives TypeScript consumers its types', async () => {
    writeFileSync(
      join(consumer, 'page.mts'),
      [
        "import { startQrLogin, type QrLoginCode } from 'nestjs-qr-login/client';",
        'const shown: QrLoginCode[] = [];',
        'const login = startQrLogin<{ access_token: string }>({',
        '  onCode: (code) => shown.push(code),',
        '  onAuthorized: (tokens) => console.log(tokens?.access_token.toUpperCase()),',
        '});',
        'login.stop();',
        '// @ts-expect-error: not a transport',
        "startQrLogin({ transport: 'websocket' });",
        '// @ts-expect-error: the answer type carries no such field',
        'startQrLogin<{ access_token: string }>({ onAuthorized: (tokens) => tokens?.refresh_token });',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2020',
          module: 'ESNext',
          moduleResolution: 'bundler',
          lib: ['ES2020', 'DOM'],
          types: [],
          strict: true,
          noEmit: true,
        },
        files: ['page.mts'],
      }),
    );
    // Fails (non-zero exit) on any error, an unused @ts-expect-error included: the types are real, not `any`.
    await expect(
      run(process.execPath, [tsc, '-p', consumer], { cwd: consumer, timeout: 60_000 }),
    ).resolves.toBeDefined();
  }, 60_000);
});
