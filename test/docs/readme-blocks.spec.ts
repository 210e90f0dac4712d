import { execFileSync } from 'node:child_process';
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
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The README's code, compiled as a user would: against the packed tarball of
 * a fresh build, in a scratch app, with `strict: true` and `skipLibCheck: false`.
 *
 * Conventions for README authors:
 * - Every ```ts block is one file of the scratch app, and must compile as it
 *   stands (imports included). A block is `block-NN.ts` unless the line before
 *   its fence (blank lines allowed) is `<!-- docs-test: file=NAME -->`, which
 *   names the file so that later blocks can import it (`./users.service`);
 *   `NAME.mts` makes it an ES module (needed for the browser entry `/client`).
 * - `<!-- docs-test: skip (why) -->` before a fence leaves that block out; use
 *   it only for code that is not this package's (another vendor's SDK).
 * - ```bash, ```json and untagged blocks are not compiled.
 */

const root = join(__dirname, '..', '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
/** Optional peers an app may not have: the root entry must compile without them (issue 12). */
const OPTIONAL = ['ioredis', 'pg', '@types/pg', 'sharp', 'fast-xml-parser', '@nestjs/swagger', 'mmdb-lib'];
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

export interface ReadmeBlock {
  file: string;
  code: string;
  line: number;
}

/** The README's TypeScript blocks, following the conventions above. */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```(\w*)\s*$/.exec(lines[i]);
    if (!fence) continue;
    const [, indent, lang] = fence;
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^${indent}\`\`\`\\s*$`).test(lines[end])) end++;
    let marker = i - 1;
    while (marker >= 0 && lines[marker].trim() === '') marker--;
    const directive = marker >= 0 ? /<!--\s*docs-test:\s*(.*?)\s*-->/.exec(lines[marker])?.[1] : undefined;
    if ((lang === 'ts' || lang === 'typescript') && !directive?.startsWith('skip')) {
      const code = lines
        .slice(i + 1, end)
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
        .join('\n');
      const file = /file=(\S+)/.exec(directive ?? '')?.[1] ?? `block-${String(blocks.length + 1).padStart(2, '0')}.ts`;
      blocks.push({ file, code, line: i + 1 });
    }
    i = end;
  }
  return blocks;
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

function compile(app: string, files: Record<string, string>): string {
  for (const [file, code] of Object.entries(files)) writeFileSync(join(app, file), code);
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        types: ['node'],
        strict: true,
        skipLibCheck: false,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        esModuleInterop: true,
        noEmit: true,
      },
      include: Object.keys(files),
    }),
  );
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8', stdio: 'pipe' });
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
    for (const file of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'])
      copyFileSync(join(root, file), join(pkg, file));
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist')], {
      cwd: root,
      stdio: 'pipe',
    });
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.client.json', '--outDir', join(pkg, 'dist', 'client')], {
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
      expect.arrayContaining([
        'package/LICENSE',
        'package/CHANGELOG.md',
        'package/README.md',
        'package/dist/lib/index.js',
      ]),
    );
    expect(listing.some((file) => file.startsWith('package/lib/'))).toBe(false);
    // No maps (issue 24): lib/ is not shipped, so a map could only point at files the user lacks, and
    // embedding the sources tripled the tarball. The .d.ts files keep the doc comments.
    expect(listing.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(listing).toContain('package/dist/lib/qr-login.module.d.ts');
    // Relative links would point into the registry, where only the README is shown.
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const relative = [...readme.matchAll(/\]\((?!https?:|#|mailto:)([^)]+)\)/g)].map((m) => m[1]);
    expect(relative).toEqual([]);
  });

  it('compiles every ts block of the README, strict and without skipLibCheck', () => {
    const blocks = readmeBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
    expect(blocks.length).toBeGreaterThan(10);
    const files: Record<string, string> = {};
    for (const block of blocks) {
      expect(files, `two README blocks are named ${block.file}`).not.toHaveProperty(block.file);
      // A block without imports would otherwise be a global script sharing names with the others.
      files[block.file] = `${block.code}\nexport {};\n`;
    }
    // The typed-user compile check, against the published declarations this time.
    files['typed-user.check.ts'] = readFileSync(join(root, 'test/types/typed-user.check.ts'), 'utf8').replace(
      "'../../lib'",
      "'nestjs-qr-login'",
    );
    const app = scratchApp(
      'readme',
      installedPackages().filter((name) => name !== 'nestjs-qr-login'),
    );
    const errors = compile(app, files);
    // Errors name the block's file; its README line is in `blocks`.
    expect(errors, blocks.map((b) => `${b.file}: README line ${b.line}`).join('\n')).toBe('');
  }, 120_000);

  it('compiles the root entry without the optional peers (strict, no skipLibCheck)', () => {
    const dependencies = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies);
    const app = scratchApp(
      'no-optional-peers',
      [...REQUIRED, ...dependencies].filter((name) => !OPTIONAL.includes(name)),
    );
    for (const name of OPTIONAL) expect(existsSync(join(app, 'node_modules', name)), name).toBe(false);
    const errors = compile(app, {
      'main.ts': [
        "import 'reflect-metadata';",
        "import { Module } from '@nestjs/common';",
        "import { QrLoginModule, QrLoginService, MemoryQrLoginStore, type QrLoginModuleOptions } from 'nestjs-qr-login';",
        "const options: QrLoginModuleOptions = { appAuth: { strategies: ['jwt'] }, store: new MemoryQrLoginStore() };",
        '@Module({ imports: [QrLoginModule.forRoot(options)] })',
        'export class AppModule {}',
        'export const service: typeof QrLoginService = QrLoginService;',
      ].join('\n'),
    });
    expect(errors).toBe('');
  }, 120_000);
});
