import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
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
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--out', join(pkg, 'dist')], {
      cwd: root,
      stdio: 'pipe',
    });
    // Peers resolve from the repository's own node_modules, as from an app's.
    for (const dep of Object.keys({
      ...manifest.dependencies,
      ...manifest.peerDependencies,
      ...manifest.devDependencies,
    })) {
      const target = join(pkg, 'node_modules', dep);
      mkdirSync(dirname(target), { recursive: true });
      if (existsSync(join(root, 'node_modules', dep))) symlinkSync(join(root, 'node_modules', dep), target, 'dir');
    }
  }, 120_000);

  afterAll(() => rmSync(consumer, { recursive: true, force: true }));

  const run = (args: string[]) =>
    execFileSync(process.execPath, args, { cwd: consumer, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

  it('loads from CommonJS', () => {
    const out = run([
      '-e',
      "const m = require('nestjs-qr-login'); console.log(typeof m.QrLoginModule.forRoot, typeof m.QrLoginGuard)",
    ]);
    expect(out).toBe('function function');
  });

  it('loads every entry, each export defined, from CommonJS and from an ES module', () => {
    // The bundle's chunks require each other: an export left undefined would be an import cycle between them.
    const entries = Object.keys(manifest.exports)
      .filter((key) => key !== './package.json' && manifest.exports[key].require)
      .map((key) => key.replace(/^\./, 'nestjs-qr-login'));
    expect(entries).toContain('nestjs-qr-login/device');
    const script = (load: string) =>
      `const report = {}; for (const name of ${JSON.stringify(entries)}) { const m = ${load}; ` +
      'report[name] = [Object.keys(m).length, Object.keys(m).filter((key) => m[key] === undefined)]; } ' +
      'console.log(JSON.stringify(report));';
    const fromRequire = JSON.parse(run(['-e', script('require(name)')]));
    const fromImport = JSON.parse(
      run(['--input-type=module', '-e', `(async () => { ${script('await import(name)')} })();`]),
    );
    for (const name of entries) {
      expect(fromRequire[name][0], name).toBeGreaterThan(0);
      expect(fromRequire[name][1], name).toEqual([]);
      // Named exports, not only `default`: Node finds them in the CommonJS output.
      expect(fromImport[name][0], name).toBeGreaterThan(1);
      expect(fromImport[name][1], name).toEqual([]);
    }
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
    const loadsPg = 'Object.keys(require.cache).some((file) => /[\\\\/]node_modules[\\\\/]pg[\\\\/]/.test(file))';
    expect(run(['-e', `require('nestjs-qr-login'); console.log(${loadsPg})`])).toBe('false');
    expect(
      run([
        '-e',
        `const m = require('nestjs-qr-login/postgres'); console.log(typeof m.PostgresQrLoginStore, ${loadsPg})`,
      ]),
    ).toBe('function false');
    const out = run([
      '--input-type=module',
      '-e',
      "import { PostgresQrLoginStore, postgresQrLoginSchemaSql } from 'nestjs-qr-login/postgres'; const s = new PostgresQrLoginStore({ connectionString: 'postgres://127.0.0.1:1/none' }); console.log(s.pool.constructor.name, postgresQrLoginSchemaSql().includes('qr_login_codes')); await s.close();",
    ]);
    expect(out).toBe('BoundPool true');
  });

  it('runs the store contract from /testing under node:test, with no driver and no test framework loaded', () => {
    const loaded =
      'Object.keys(require.cache).filter((file) => /[\\\\/]node_modules[\\\\/](pg|ioredis|vitest)[\\\\/]/.test(file)).length';
    expect(
      run([
        '-e',
        `const m = require('nestjs-qr-login/testing'); console.log(typeof m.describeQrLoginStoreContract, ${loaded})`,
      ]),
    ).toBe('function 0');
    // A store author's test file, as docs/stores.md shows it; FORGETFUL=1 swaps in a store that breaks the contract.
    writeFileSync(
      join(consumer, 'store-contract.test.mjs'),
      [
        "import { after, afterEach, before, describe, it } from 'node:test';",
        "import { MemoryQrLoginStore } from 'nestjs-qr-login';",
        "import { describeQrLoginStoreContract } from 'nestjs-qr-login/testing';",
        'class ForgetfulStore extends MemoryQrLoginStore { async rememberOnce() { return true; } }',
        'const make = () => (process.env.FORGETFUL ? new ForgetfulStore() : new MemoryQrLoginStore());',
        "describeQrLoginStoreContract('memory', make, {",
        '  framework: { describe, it, beforeAll: before, afterAll: after, afterEach },',
        '  sharesState: false,',
        '  probes: { watchedIds: (s) => s.watchedIds, holds: (s) => s.size > 0 || s.timers > 0, released: (s) => s.size === 0 && s.timers === 0 },',
        '});',
      ].join('\n'),
    );
    const runContract = (env: Record<string, string>) => {
      try {
        return execFileSync(process.execPath, ['--test-reporter=tap', 'store-contract.test.mjs'], {
          cwd: consumer,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, ...env },
        });
      } catch (error) {
        return (error as { stdout: string }).stdout;
      }
    };
    const kept = runContract({});
    expect(kept).toMatch(/^# pass 18$/m);
    expect(kept).toMatch(/^# fail 0$/m);
    const broken = runContract({ FORGETFUL: '1' });
    expect(broken).toMatch(/^# fail 2$/m);
    expect(broken).toMatch(/not ok \d+ - lets exactly one of 200 concurrent rememberOnce calls for one key through/);
  }, 60_000);

  it('serves its own built clients with serveClient: true, wherever the bundle put the module', () => {
    // docs/client.md's recipe, in plain JavaScript: the module finds dist/client of the installed package.
    writeFileSync(
      join(consumer, 'serve-client.cjs'),
      [
        // The peers sit beside the package here (see beforeAll), not in the consumer's node_modules.
        "const peer = require('node:module').createRequire(require.resolve('nestjs-qr-login'));",
        "peer('reflect-metadata');",
        "const { NestFactory } = peer('@nestjs/core');",
        "const { QrLoginModule } = require('nestjs-qr-login');",
        "const { Injectable, Module } = peer('@nestjs/common');",
        "const { PassportStrategy } = peer('@nestjs/passport');",
        "const { ExtractJwt, Strategy } = peer('passport-jwt');",
        "class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {",
        "  constructor() { super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: 'x'.repeat(32) }); }",
        '  validate(payload) { return payload; }',
        '}',
        'Injectable()(JwtStrategy);',
        'class AppModule {}',
        'Module({',
        "  imports: [QrLoginModule.forRoot({ appAuth: { strategies: ['jwt'] }, serveClient: true })],",
        '  providers: [JwtStrategy],',
        '})(AppModule);',
        '(async () => {',
        '  const app = await NestFactory.create(AppModule, { logger: false });',
        "  await app.listen(0, '127.0.0.1');",
        "  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');",
        "  for (const path of ['/qr-login/client/index.mjs', '/qr-login/client/app/index.mjs']) {",
        '    const answer = await fetch(base + path);',
        '    const body = await answer.text();',
        "    console.log(path, answer.status, answer.headers.get('content-type'), body.length > 1000);",
        '  }',
        '  await app.close();',
        '})();',
      ].join('\n'),
    );
    expect(run(['serve-client.cjs']).split('\n')).toEqual([
      '/qr-login/client/index.mjs 200 text/javascript; charset=utf-8 true',
      '/qr-login/client/app/index.mjs 200 text/javascript; charset=utf-8 true',
    ]);
    expect(run(['-e', "console.log(require.resolve('nestjs-qr-login'))"])).toMatch(/dist[\\/]lib[\\/]index\.js$/);
  }, 60_000);

  it('exposes package.json and hides internals', () => {
    expect(run(['-e', "console.log(require('nestjs-qr-login/package.json').name)"])).toBe('nestjs-qr-login');
    expect(() => run(['-e', "require('nestjs-qr-login/dist/lib/kernel/qr-login.ids')"])).toThrow(
      /ERR_PACKAGE_PATH_NOT_EXPORTED/,
    );
  });
});

/** `nestjs-qr-login/app` as `npm pack` ships it: resolved through the exports map, typed without the DOM. */
describe('the app entry of the packed package', () => {
  let work: string;
  let consumer: string;
  let packed: string[];

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'qr-login-app-pack-'));
    // A staging copy to pack (manifest, README and the clients' own builds), so dist/ stays untouched.
    const stage = join(work, 'stage');
    mkdirSync(stage);
    copyFileSync(join(root, 'package.json'), join(stage, 'package.json'));
    copyFileSync(join(root, 'README.md'), join(stage, 'README.md'));
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--client', '--out', join(stage, 'dist')], {
      cwd: root,
      stdio: 'pipe',
    });
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const [report] = JSON.parse(
      execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
        cwd: stage,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    packed = report.files.map((file: { path: string }) => file.path);
    consumer = join(work, 'consumer');
    const pkg = join(consumer, 'node_modules', 'nestjs-qr-login');
    mkdirSync(pkg, { recursive: true });
    execFileSync('tar', ['-xzf', join(work, report.filename), '-C', pkg, '--strip-components=1']);
  }, 120_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('ships the app client with its types, and no source maps', () => {
    const entry = manifest.exports['./app'];
    expect(entry).toEqual({
      types: './dist/client/app/index.d.mts',
      import: './dist/client/app/index.mjs',
      default: './dist/client/app/index.mjs',
    });
    for (const path of [entry.types, entry.import]) expect(packed).toContain(path.slice(2));
    // Maps could only point at client/*.mts, which the package does not ship.
    expect(packed.filter((path) => path.endsWith('.map'))).toEqual([]);
  });

  it('resolves and runs from an ES module, with no DOM', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { createQrLoginAppClient, qrcodeIdFromPayload, QrLoginAppError } from 'nestjs-qr-login/app'; const c = createQrLoginAppClient({ baseUrl: 'http://127.0.0.1:9', getAccessToken: () => 't' }); console.log(typeof c.scan, qrcodeIdFromPayload('https://x.test/p?code=AAAAAAAAAAAAAAAAAAAAAAAAAA1'), new QrLoginAppError('QR_EXPIRED', 'm', 410).retryable)",
      ],
      { cwd: consumer, encoding: 'utf8' },
    ).trim();
    expect(out).toBe('function AAAAAAAAAAAAAAAAAAAAAAAAAA1 false');
  });

  it.each(['bundler', 'nodenext'])(
    'type-checks in a project without the DOM library (moduleResolution %s)',
    (resolution) => {
      writeFileSync(
        join(consumer, 'phone.mts'),
        [
          "import { createQrLoginAppClient, isQrLoginAppError, type QrLoginScanAnswer } from 'nestjs-qr-login/app';",
          "const qrLogin = createQrLoginAppClient({ baseUrl: 'https://example.test', getAccessToken: async () => 'token' });",
          'export async function ask(id: string): Promise<string[]> {',
          '  try {',
          '    const answer: QrLoginScanAnswer = await qrLogin.scan(id);',
          '    await qrLogin.confirm(answer.qrcodeId, { matchCode: answer.matchChoices?.[0] });',
          '    return answer.risk.flags;',
          '  } catch (error) {',
          "    if (isQrLoginAppError(error, 'QR_EXPIRED')) return [error.code];",
          '    throw error;',
          '  }',
          '}',
          '// @ts-expect-error: the answer carries no such field',
          'export const wrong = (answer: QrLoginScanAnswer) => answer.ticket;',
          '',
        ].join('\n'),
      );
      const module = resolution === 'bundler' ? 'ESNext' : 'NodeNext';
      writeFileSync(
        join(consumer, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2020',
            module,
            moduleResolution: resolution,
            lib: ['ES2020'],
            types: [],
            strict: true,
            noEmit: true,
          },
          files: ['phone.mts'],
        }),
      );
      // Fails (non-zero exit) on any error, an unused @ts-expect-error included.
      expect(() =>
        execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', consumer], {
          cwd: consumer,
          stdio: 'pipe',
        }),
      ).not.toThrow();
    },
    60_000,
  );
});
