import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCRATCH_APP_COMPILER_OPTIONS } from '../support/scratch-app';
import { openSse } from '../support/sse';
import { readmeBlocks, type ReadmeBlock } from './markdown-blocks';

/*
 * The code of README.md and of every docs/*.md page, compiled as a user would:
 * against the packed tarball of a fresh build, in a scratch app, with
 * `strict: true` and `skipLibCheck: false`, by TypeScript 6.0 (the
 * `typescript` devDependency) and again by TypeScript 7, the native compiler
 * (`typescript-7`, an aliased devDependency), which `npm i typescript` installs.
 *
 * Conventions for README and docs authors:
 * - Every ```ts block is one file of the scratch app, and must compile as it
 *   stands (imports included). A block is `<page>-block-NN.ts` unless the line
 *   before its fence (blank lines allowed) is `<!-- docs-test: file=NAME -->`,
 *   which names the file so that other blocks, on any page, can import it
 *   (`./users.service`); names are shared by every page, so each is given once.
 *   `NAME.mts` makes it an ES module (needed for the browser entry `/client`).
 * - `<!-- docs-test: skip (why) -->` before a fence leaves that block out; use
 *   it only for code that is not this package's (another vendor's SDK).
 * - ```bash, ```json and untagged blocks are not compiled.
 */

const root = join(__dirname, '..', '..');
/** The compilers the docs are checked with: the repository's own and the native one users get from `npm i typescript`. */
const COMPILERS = [
  { name: 'TypeScript 6.0', tsc: join(root, 'node_modules', 'typescript', 'bin', 'tsc'), major: 6 },
  { name: 'TypeScript 7', tsc: join(root, 'node_modules', 'typescript-7', 'bin', 'tsc'), major: 7 },
];
const tsc = COMPILERS[0].tsc;
/** The README is a tour, read on one screen or two; everything else has its page under docs/. */
const README_MAX_LINES = 400;
/** Optional peers an app may not have: the root entry must compile without them (issue 12). */
const OPTIONAL = [
  'ioredis',
  'pg',
  '@types/pg',
  'sharp',
  'fast-xml-parser',
  '@nestjs/swagger',
  'mmdb-lib',
  '@simplewebauthn/server',
];
const REQUIRED = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/passport',
  'class-transformer',
  'class-validator',
  'passport',
  'rxjs',
  'reflect-metadata',
  '@types/node',
  '@types/passport',
];

/** A port nothing listens on right now, for a child process to take. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Top-level keys of each `data:` line of the first ``` block after `heading` in `markdown`, by status. */
function documentedFrames(markdown: string, heading: string): Record<string, string[]> {
  const from = markdown.indexOf(heading);
  const block = /```\n([\s\S]*?)```/.exec(markdown.slice(from))![1];
  const frames: Record<string, string[]> = {};
  for (const line of block.split('\n')) {
    if (!line.startsWith('data: ')) continue;
    const view = JSON.parse(line.slice('data: '.length)) as { status: string };
    frames[view.status] = Object.keys(view);
  }
  return frames;
}

/** README.md, then every page under docs/, each with its blocks and the name its default block files carry. */
function documentationPages(): Array<{ page: string; blocks: ReadmeBlock[] }> {
  const docs = join(root, 'docs');
  const pages = readdirSync(docs)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...pages].map((page) => ({
    page,
    blocks: readmeBlocks(
      readFileSync(join(root, page), 'utf8'),
      page === 'README.md' ? 'readme-' : `${page.slice('docs/'.length, -'.md'.length)}-`,
    ),
  }));
}

function link(app: string, names: string[]): void {
  for (const name of names) {
    const source = join(root, 'node_modules', name);
    if (!existsSync(source)) continue;
    const target = join(app, 'node_modules', name);
    mkdirSync(join(target, '..'), { recursive: true });
    if (!existsSync(target)) symlinkSync(source, target, 'dir');
  }
}

/** Every package in the repository's node_modules (scoped ones by their full name). */
function installedPackages(): string[] {
  const dir = join(root, 'node_modules');
  return readdirSync(dir).flatMap((name) => {
    if (name.startsWith('.')) return [];
    if (name.startsWith('@')) return readdirSync(join(dir, name)).map((sub) => `${name}/${sub}`);
    return [name];
  });
}

function compile(app: string, files: Record<string, string>, compiler = tsc, outDir?: string): string {
  for (const [file, code] of Object.entries(files)) writeFileSync(join(app, file), code);
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        ...SCRATCH_APP_COMPILER_OPTIONS,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        esModuleInterop: true,
        ...(outDir ? { outDir } : { noEmit: true }),
      },
      include: Object.keys(files),
    }),
  );
  try {
    execFileSync(process.execPath, [compiler, '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

describe('README code against the packed package', () => {
  let work: string;
  let tarball: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'qr-login-docs-'));
    // A fresh build in a copy of the package, so dist/ of the working tree is never shared.
    const pkg = join(work, 'pkg');
    mkdirSync(pkg);
    for (const file of ['package.json', 'README.md', 'LICENSE']) copyFileSync(join(root, file), join(pkg, file));
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--out', join(pkg, 'dist')], {
      cwd: root,
      stdio: 'pipe',
    });
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
        cwd: pkg,
        encoding: 'utf8',
        stdio: 'pipe',
      }),
    );
    tarball = join(work, packed[0].filename);
  }, 180_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** A scratch app with the tarball installed and `packages` linked from this repository's node_modules. */
  function scratchApp(name: string, packages: string[]): string {
    const app = join(work, name);
    mkdirSync(join(app, 'node_modules'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name, private: true }));
    execFileSync('tar', ['-xzf', tarball, '-C', join(app, 'node_modules')]);
    renameSync(join(app, 'node_modules', 'package'), join(app, 'node_modules', 'nestjs-qr-login'));
    link(app, packages);
    return app;
  }

  it('ships what the registry page points to, and no source maps', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(listing).toEqual(
      expect.arrayContaining(['package/LICENSE', 'package/README.md', 'package/dist/lib/index.js']),
    );
    expect(listing.some((file) => file.startsWith('package/lib/'))).toBe(false);
    // No maps (issue 24): lib/ is not shipped, so a map could only point at files the user lacks, and
    // embedding the sources tripled the tarball. The .d.ts files keep the doc comments.
    expect(listing.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(listing).toContain('package/dist/lib/index.d.ts');
    // Relative links would point into the registry, where only the README is shown.
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const relative = [...readme.matchAll(/\]\((?!https?:|#|mailto:)([^)]+)\)/g)].map((m) => m[1]);
    expect(relative).toEqual([]);
  });

  it(`keeps the README at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(join(root, 'README.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('checks the compilers it says it checks', () => {
    for (const compiler of COMPILERS) {
      const version = execFileSync(process.execPath, [compiler.tsc, '--version'], { encoding: 'utf8' });
      expect(version, compiler.name).toMatch(new RegExp(`Version ${compiler.major}\\.`));
    }
    // The README names them, so a reader knows which compilers its code was checked with.
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const compiler of COMPILERS) expect(readme).toContain(compiler.name);
  });

  describe.each(COMPILERS)('with $name', (compiler) => {
    it('compiles every ts block of the README and docs/*.md, strict and without skipLibCheck', () => {
      const pages = documentationPages();
      expect(pages.length).toBeGreaterThan(8);
      const blocks = pages.flatMap(({ page, blocks }) => blocks.map((block) => ({ ...block, page })));
      expect(pages[0].blocks.length).toBeGreaterThan(4);
      expect(blocks.length).toBeGreaterThan(20);
      const files: Record<string, string> = {};
      for (const block of blocks) {
        expect(files, `two blocks are named ${block.file} (${block.page} line ${block.line})`).not.toHaveProperty(
          block.file,
        );
        // A block without imports would otherwise be a global script sharing names with the others.
        files[block.file] = `${block.code}\nexport {};\n`;
      }
      // The typed-user compile check, against the published declarations this time.
      files['typed-user.check.ts'] = readFileSync(join(root, 'test/types/typed-user.check.ts'), 'utf8').replace(
        "'../../lib'",
        "'nestjs-qr-login'",
      );
      const app = scratchApp(
        `docs-ts${compiler.major}`,
        installedPackages().filter((name) => name !== 'nestjs-qr-login'),
      );
      const errors = compile(app, files, compiler.tsc);
      // Errors name the block's file; its page and line are in `blocks`.
      expect(errors, blocks.map((b) => `${b.file}: ${b.page} line ${b.line}`).join('\n')).toBe('');
    }, 180_000);
  });

  it('runs the Quick start as written: web sessions stay out of the phone lane, the stream sends what docs/events.md shows', async () => {
    const quickStart = ['users.service.ts', 'app-jwt.strategy.ts', 'app.module.ts', 'main.ts'];
    const blocks = readmeBlocks(readFileSync(join(root, 'README.md'), 'utf8')).filter((b) =>
      quickStart.includes(b.file),
    );
    expect(blocks.map((b) => b.file).sort()).toEqual([...quickStart].sort());
    const app = scratchApp(
      'quick-start',
      installedPackages().filter((name) => name !== 'nestjs-qr-login'),
    );
    const files = Object.fromEntries(blocks.map((b) => [b.file, b.code]));
    expect(compile(app, files, tsc, 'out')).toBe('');

    const secret = 'quick-start-secret';
    const port = await freePort();
    const child = spawn(process.execPath, [join(app, 'out', 'main.js')], {
      cwd: app,
      env: { ...process.env, PORT: String(port), JWT_SECRET: secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const base = `http://127.0.0.1:${port}/qr-login`;
      // Up once the routes answer; an early exit fails with what the app printed.
      for (let attempt = 0; ; attempt++) {
        const up = await fetch(`${base}/qrcodes/none`).then(
          () => true,
          () => false,
        );
        if (up) break;
        if (child.exitCode !== null || attempt > 600) throw new Error(`the Quick start did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const json = { 'content-type': 'application/json' };
      const jwt = new JwtService({ secret });
      const appToken = jwt.sign({ sub: '1' }, { audience: 'app' });
      const webSession = jwt.sign({ sub: '1' }, { audience: 'web' });

      const createdResponse = await fetch(`${base}/qrcodes`, { method: 'POST', headers: json, body: '{}' });
      expect(createdResponse.status).toBe(201);
      const created = (await createdResponse.json()) as { qrcodeId: string; creatorSecret: string; matchCode: string };
      const creator = { 'x-qr-login-secret': created.creatorSecret };
      const stream = await openSse(`${base}/qrcodes/${created.qrcodeId}/events`, creator);
      await stream.waitForEvents(1);

      const phone = (action: string, token: string, body = '{}') =>
        fetch(`${base}/qrcodes/${created.qrcodeId}/${action}`, {
          method: 'POST',
          headers: { ...json, authorization: `Bearer ${token}` },
          body,
        });
      const bySession = await phone('scan', webSession);
      expect(bySession.status).toBe(401);
      expect(((await bySession.json()) as { code: string }).code).toBe('QR_APP_USER_UNAUTHENTICATED');
      const scanned = await phone('scan', appToken);
      expect(scanned.status).toBe(200);
      expect(((await scanned.json()) as { matchChoices: string[] }).matchChoices).toContain(created.matchCode);
      await stream.waitForEvents(2);
      expect((await phone('confirm', appToken, JSON.stringify({ matchCode: created.matchCode }))).status).toBe(200);
      await stream.ended;

      const frames = stream.events.map((event) => JSON.parse(event.data) as { status: string; ticket?: string });
      expect(frames.map((frame) => frame.status)).toEqual(['PENDING', 'SCANNED', 'AUTHORIZED']);
      const shown = documentedFrames(
        readFileSync(join(root, 'docs', 'events.md'), 'utf8'),
        'What the creating browser reads',
      );
      for (const frame of frames) expect(Object.keys(frame), frame.status).toEqual(shown[frame.status]);

      const login = await fetch(`${base}/login`, {
        method: 'POST',
        headers: { ...json, ...creator },
        body: JSON.stringify({ ticket: frames[2].ticket }),
      });
      expect(login.status).toBe(200);
      const session = (await login.json()) as { access_token: string; token_type: string; expires_in: number };
      expect(session).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
      expect(jwt.verify(session.access_token, { audience: 'web' })).toMatchObject({ sub: '1', aud: 'web' });
      // The session it issued is a web session: it cannot scan another code.
      const next = (await (await fetch(`${base}/qrcodes`, { method: 'POST', headers: json, body: '{}' })).json()) as {
        qrcodeId: string;
      };
      const reuse = await fetch(`${base}/qrcodes/${next.qrcodeId}/scan`, {
        method: 'POST',
        headers: { authorization: `Bearer ${session.access_token}` },
      });
      expect(reuse.status).toBe(401);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 180_000);

  it('compiles the root entry without the optional peers (strict, no skipLibCheck)', () => {
    const dependencies = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies);
    const app = scratchApp(
      'no-optional-peers',
      [...REQUIRED, ...dependencies].filter((name) => !OPTIONAL.includes(name)),
    );
    for (const name of OPTIONAL) expect(existsSync(join(app, 'node_modules', name)), name).toBe(false);
    const main = {
      'main.ts': [
        "import 'reflect-metadata';",
        "import { Module } from '@nestjs/common';",
        "import { QrLoginModule, QrLoginService, MemoryQrLoginStore, type QrLoginModuleOptions } from 'nestjs-qr-login';",
        "const options: QrLoginModuleOptions = { appAuth: { strategies: ['jwt'] }, store: new MemoryQrLoginStore() };",
        '@Module({ imports: [QrLoginModule.forRoot(options)] })',
        'export class AppModule {}',
        'export const service: typeof QrLoginService = QrLoginService;',
      ].join('\n'),
    };
    for (const compiler of COMPILERS) expect(compile(app, main, compiler.tsc), compiler.name).toBe('');
  }, 180_000);
});
