import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..');

/** The published shape: what a consumer's `require` and `import` get through the exports map. */
describe('built package', () => {
  let consumer: string;

  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: root,
      stdio: 'pipe',
    });
    consumer = mkdtempSync(join(tmpdir(), 'qr-login-consumer-'));
    mkdirSync(join(consumer, 'node_modules'));
    symlinkSync(root, join(consumer, 'node_modules', 'nestjs-qr-login'), 'dir');
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

  it('exposes package.json and hides internals', () => {
    expect(run(['-e', "console.log(require('nestjs-qr-login/package.json').name)"])).toBe('nestjs-qr-login');
    expect(() => run(['-e', "require('nestjs-qr-login/dist/lib/qr-login.ids')"])).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });
});
