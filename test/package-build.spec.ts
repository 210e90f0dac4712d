import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The published shape: what a consumer's `require` and `import` get through the exports map. */
describe('built package', () => {
  let consumer: string;

  beforeAll(() => {
    // A copy of the package (manifest + its own build), so this suite never shares dist/ with `npm start`.
    consumer = mkdtempSync(join(tmpdir(), 'qr-login-consumer-'));
    const pkg = join(consumer, 'node_modules', 'nestjs-qr-login');
    mkdirSync(pkg, { recursive: true });
    copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'));
    execFileSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist')],
      { cwd: root, stdio: 'pipe' },
    );
    // Peers resolve from the repository's own node_modules, as from an app's.
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.devDependencies })) {
      const target = join(pkg, 'node_modules', dep);
      mkdirSync(dirname(target), { recursive: true });
      if (existsSync(join(root, 'node_modules', dep))) symlinkSync(join(root, 'node_modules', dep), target, 'dir');
    }
  }, 120_000);

  afterAll(() => rmSync(consumer, { recursive: true, force: true }));

  const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: consumer, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

  it('loads from CommonJS', () => {
    const out = run(['-e', "const m = require('nestjs-qr-login'); console.log(typeof m.QrLoginModule.forRoot, typeof m.QrLoginGuard)"]);
    expect(out).toBe('function function');
  });

  it('loads from an ES module', () => {
    const out = run([
      '--input-type=module',
      '-e',
      "import { QrLoginModule, MemoryQrLoginStore } from 'nestjs-qr-login'; console.log(typeof QrLoginModule.forRootAsync, new MemoryQrLoginStore().size)",
    ]);
    expect(out).toBe('function 0');
  });

  it('serves the Postgres store from its own entry, and loads pg only when a store creates its pool', () => {
    const loadsPg = "Object.keys(require.cache).some((file) => /[\\\\/]node_modules[\\\\/]pg[\\\\/]/.test(file))";
    expect(run(['-e', `require('nestjs-qr-login'); console.log(${loadsPg})`])).toBe('false');
    expect(run(['-e', `const m = require('nestjs-qr-login/postgres'); console.log(typeof m.PostgresQrLoginStore, ${loadsPg})`])).toBe(
      'function false',
    );
    const out = run([
      '--input-type=module',
      '-e',
      "import { PostgresQrLoginStore, postgresQrLoginSchemaSql } from 'nestjs-qr-login/postgres'; const s = new PostgresQrLoginStore({ connectionString: 'postgres://127.0.0.1:1/none' }); console.log(s.pool.constructor.name, postgresQrLoginSchemaSql().includes('qr_login_codes')); await s.close();",
    ]);
    expect(out).toBe('BoundPool true');
  });

  it('exposes package.json and hides internals', () => {
    expect(run(['-e', "console.log(require('nestjs-qr-login/package.json').name)"])).toBe('nestjs-qr-login');
    expect(() => run(['-e', "require('nestjs-qr-login/dist/lib/kernel/qr-login.ids')"])).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });
});
