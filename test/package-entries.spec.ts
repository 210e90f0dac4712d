import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestPeers, lockedInstall, lockedVersion } from './support/locked-install';

/*
 * The package as an app installs it: built with the build's own tsconfigs,
 * packed with `npm pack`, installed from the tarball into a scratch app
 * without the optional peers, and compiled there with `strict` and
 * `skipLibCheck: false`, so every `.d.ts` the root entry pulls in is checked.
 * Then the optional peers are added and the subpath entries must resolve.
 */

const root = join(__dirname, '..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const OPTIONAL_PEERS = ['ioredis', 'pg', 'sharp', 'fast-xml-parser', '@nestjs/swagger', 'mmdb-lib'];

const run = (command: string, args: string[], cwd: string) =>
  execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' },
  });

/** Runs tsc and returns its diagnostics (empty when it compiled). */
function compile(cwd: string): string {
  try {
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], cwd);
    return '';
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return `${failed.stdout ?? ''}${failed.stderr ?? ''}`.trim() || String(error);
  }
}

const STRICT_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    skipLibCheck: false,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    noEmit: true,
    types: ['node'],
  },
  files: ['app.ts'],
};

const ROOT_APP = `
import 'reflect-metadata';
import { Controller, Module, Post, Req, UseGuards } from '@nestjs/common';
import {
  MemoryQrLoginStore,
  QrLoginError,
  QrLoginGuard,
  QrLoginModule,
  QrLoginService,
  type QrCodeStatusView,
  type QrLoginModuleOptions,
  type QrLoginStore,
} from 'nestjs-qr-login';

const store: QrLoginStore = new MemoryQrLoginStore({ maxCodes: 1000 });
const options: QrLoginModuleOptions = { appAuth: { resolveUser: () => null }, store, qrCodeTtl: 60 };

@Controller('session')
class SessionController {
  constructor(private readonly qr: QrLoginService) {}
  @Post() @UseGuards(QrLoginGuard)
  login(@Req() request: { user: unknown }): unknown {
    return request.user;
  }
  status(id: string): Promise<QrCodeStatusView> {
    return this.qr.getStatus(id).catch((error: unknown) => {
      if (error instanceof QrLoginError) return { qrcodeId: id, status: 'ERROR' as const, code: error.code };
      throw error;
    });
  }
}

@Module({ imports: [QrLoginModule.forRoot(options)], controllers: [SessionController] })
export class AppModule {}
`;

const PLUGIN_APP = `
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { QrLoginModule } from 'nestjs-qr-login';
import { RedisQrLoginStore } from 'nestjs-qr-login/redis';
import { QrLoginGenAuthModule } from 'nestjs-qr-login/genauth';
import { QrLoginWechatModule } from 'nestjs-qr-login/wechat';

const store = new RedisQrLoginStore({ url: 'redis://127.0.0.1:6379', lazyConnect: true } as ConstructorParameters<typeof RedisQrLoginStore>[0]);

@Module({
  imports: [
    QrLoginModule.forRoot({ appAuth: { strategies: 'jwt' }, store }),
    QrLoginGenAuthModule.forRoot({ v3: true, v2: true, bindToCreator: true }),
    QrLoginWechatModule,
  ],
})
export class AppModule {}
`;

describe('the packed package in a scratch app', () => {
  let work: string;
  let app: string;
  let tarball: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'qr-login-pack-'));
    // A staging copy of the package, built by the package build, so this suite never shares dist/ with `npm start`.
    const stage = join(work, 'package');
    run('mkdir', ['-p', stage], work);
    for (const file of ['package.json', 'README.md']) copyFileSync(join(root, file), join(stage, file));
    run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--out', join(stage, 'dist')], root);
    run('npm', ['pack', '--pack-destination', work, '--ignore-scripts'], stage);
    tarball = join(
      work,
      readdirSync(work).find((name) => name.endsWith('.tgz'))!,
    );

    app = join(work, 'app');
    run('mkdir', ['-p', app], work);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, version: '1.0.0' }));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(STRICT_TSCONFIG));
    // Peers an app has anyway, at the versions this repository locked; the optional ones are left out on purpose.
    lockedInstall(
      app,
      [
        '@types/node',
        'reflect-metadata',
        'rxjs',
        '@nestjs/common',
        '@nestjs/core',
        '@nestjs/passport',
        'class-validator',
        'class-transformer',
        'passport',
        '@types/passport',
      ],
      { 'nestjs-qr-login': `file:${tarball}` },
    );
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('ships the built entries, not the sources or the tests', () => {
    const listing = run('tar', ['-tzf', tarball], work);
    for (const entry of [
      'dist/lib/index.d.ts',
      'dist/lib/stores/redis/index.js',
      'dist/lib/plugins/genauth/index.js',
      'dist/lib/plugins/wechat/index.js',
      'dist/lib/testing/index.js',
      'dist/client/index.mjs',
    ]) {
      expect(listing).toContain(`package/${entry}`);
    }
    expect(listing).not.toMatch(/\.spec\.|package\/lib\/|package\/test\//);
  });

  it('installs without any optional peer', () => {
    for (const peer of OPTIONAL_PEERS) expect(existsSync(join(app, 'node_modules', peer)), peer).toBe(false);
  });

  it('compiles an app of the root entry with strict and skipLibCheck false', () => {
    writeFileSync(join(app, 'app.ts'), ROOT_APP);
    expect(compile(app)).toBe('');
  }, 180_000);

  it('loads the root entry at run time without the optional peers', () => {
    const out = run(
      process.execPath,
      [
        '-e',
        "const m = require('nestjs-qr-login'); console.log(typeof m.QrLoginModule.forRoot, new m.MemoryQrLoginStore().size)",
      ],
      app,
    );
    expect(out.trim()).toBe('function 0');
  }, 60_000);

  it('names the package to install when a feature needs an optional peer the app lacks', () => {
    const uses: Record<string, string> = {
      ioredis: "new (require('nestjs-qr-login/redis').RedisQrLoginStore)({ url: 'redis://127.0.0.1:1' })",
      pg: "new (require('nestjs-qr-login/postgres').PostgresQrLoginStore)({ connectionString: 'postgres://127.0.0.1:1/x' })",
      'mmdb-lib': "new (require('nestjs-qr-login/risk').MmdbGeoLookup)(new Uint8Array(8))",
    };
    for (const [peer, use] of Object.entries(uses)) {
      const out = run(
        process.execPath,
        ['-e', `try { ${use}; console.log('no error'); } catch (error) { console.log(error.name, error.message); }`],
        app,
      );
      expect(out.trim(), peer).toMatch(
        new RegExp(`^QrLoginConfigError QrLoginModule is misconfigured: .*"${peer}".*Run \`npm install ${peer}\``),
      );
    }
  }, 60_000);

  it('loads the testing entry at run time without the optional peers', () => {
    const out = run(
      process.execPath,
      [
        '-e',
        "const m = require('nestjs-qr-login/testing'); console.log(typeof m.describeQrLoginStoreContract, m.newRecord().version)",
      ],
      app,
    );
    expect(out.trim()).toBe('function 1');
  }, 60_000);

  it('does not type-check an app that misuses the root entry (the check is real)', () => {
    writeFileSync(
      join(app, 'app.ts'),
      `${ROOT_APP}\nconst wrong: QrLoginModuleOptions = { appAuth: {}, qrCodeTtl: '60' };\n`,
    );
    expect(compile(app)).toMatch(/^app\.ts\(\d+,\d+\): error TS2322/m);
  }, 180_000);

  it('resolves and compiles /redis, /genauth and /wechat once their peers are installed', () => {
    // ioredis 6.1's declarations import `redis-errors`, which ships no types: the README's install line adds them.
    lockedInstall(app, ['ioredis', '@types/redis-errors', 'fast-xml-parser', 'sharp']);
    writeFileSync(join(app, 'app.ts'), PLUGIN_APP);
    expect(compile(app)).toBe('');
    const out = run(
      process.execPath,
      [
        '-e',
        "for (const e of ['redis', 'genauth', 'wechat']) { const m = require('nestjs-qr-login/' + e); console.log(e, Object.keys(m).length > 0); }",
      ],
      app,
    );
    expect(out.trim().split('\n')).toEqual(['redis true', 'genauth true', 'wechat true']);
    // The same commit gives the same answer everywhere: the peers are the locked ones, unless asked for the newest.
    const installed = JSON.parse(run('npm', ['ls', 'ioredis', 'redis-errors', '--json', '--all'], app));
    if (!latestPeers) expect(installed.dependencies.ioredis.version).toBe(lockedVersion('ioredis'));
  }, 300_000);
});
