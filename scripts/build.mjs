// The package build: `npm run build` (everything) and `npm run build:client` (the browser and phone clients).
//
// `tsc` compiles, with the project's own tsconfigs (decorator metadata, `stripInternal`, `tslib` helpers);
// Rolldown then bundles what it wrote, one file per package entry with the code entries share in
// `shared/` chunks, so a class is defined once however many entries reach it. The JavaScript stays
// readable (names, layout and a `// lib/<file>` mark before each module's code; no minifying) and keeps
// no comments; the declarations keep every doc comment, since editors show them. Bundling is what brings
// the tarball under its 200 kB goal (test/package-size.spec.ts): a few dozen files instead of four hundred.
//
//   node scripts/build.mjs [--out <dir>] [--client]
//
// --out     where the package's `dist` goes (default: `dist`); tests build into folders of their own.
// --client  only the clients (`<out>/client`), as `npm start` and the browser suites need.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { rolldown } from 'rolldown';
import { dts } from 'rolldown-plugin-dts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { out: { type: 'string', default: 'dist' }, client: { type: 'boolean', default: false } },
});
const out = resolve(root, values.out);
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * The entries to bundle, read from the exports map so a new entry needs no change here: each maps the
 * output name (`stores/redis/index`) to the file tsc wrote for it, without its extension.
 */
function entriesUnder(folder, extension) {
  const { exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const prefix = `./dist/${folder}/`;
  const entries = {};
  for (const target of Object.values(exports)) {
    const file = typeof target === 'object' ? target.default : undefined;
    if (file?.startsWith(prefix) && file.endsWith(extension)) {
      entries[file.slice(prefix.length, -extension.length)] = file.slice('./dist/'.length, -extension.length);
    }
  }
  return entries;
}

/** Rolldown's input: each entry's file under `base`, with `extension` (`.js`, `.d.ts`). */
function inputs(entries, base, extension) {
  return Object.fromEntries(Object.entries(entries).map(([name, stem]) => [name, join(base, stem + extension)]));
}

/** Anything not written by tsc here (a package or a Node built-in) stays an import of the output. */
const external = (id) => !id.startsWith('.') && !id.startsWith('/');

async function compile(project, outDir, ...flags) {
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', project, '--outDir', outDir, ...flags], { cwd: root });
  } catch (error) {
    throw new Error(`tsc -p ${project} failed:\n${error.stdout || error.message}`, { cause: error });
  }
}

/** Bundles `input` into `dir`: the JavaScript (`extension`), then the declarations (`types`) beside it. */
async function bundle({ input, cwd, dir, chunks, format, extension, types, platform }) {
  const code = await rolldown({ input: inputs(input, cwd, extension), cwd, external, platform });
  await code.write({
    dir,
    format,
    entryFileNames: `[name]${extension}`,
    chunkFileNames: `${chunks}[name]${extension}`,
    comments: false,
  });
  await code.close();
  const typed = await rolldown({
    input: inputs(input, cwd, types),
    cwd,
    external,
    plugins: [dts({ dtsInput: true, emitDtsOnly: true, tsconfig: false })],
  });
  // The plugin names an entry's declarations `<name>.d`: the pattern adds only the rest (`.ts`, `.mts`).
  await typed.write({
    dir,
    format: 'es',
    entryFileNames: `[name]${types.slice('.d'.length)}`,
    chunkFileNames: `${chunks}[name]${types}`,
  });
  await typed.close();
}

const work = mkdtempSync(join(tmpdir(), 'qr-login-build-'));
try {
  const client = entriesUnder('client', '.mjs');
  const lib = values.client ? {} : entriesUnder('lib', '.js');
  await Promise.all([
    compile('tsconfig.client.json', join(work, 'client')),
    compile('tsconfig.app.json', join(work, 'client', 'app')),
    // ES modules for Rolldown to bundle into CommonJS (tsconfig.json's `nodenext` would write CommonJS).
    values.client || compile('tsconfig.build.json', work, '--module', 'esnext', '--moduleResolution', 'bundler'),
  ]);
  rmSync(join(out, 'client'), { recursive: true, force: true });
  await bundle({
    input: client,
    cwd: work,
    dir: join(out, 'client'),
    // Beside the entries: `serveClient` serves the folder and its `app/`, nothing deeper.
    chunks: '',
    format: 'esm',
    extension: '.mjs',
    types: '.d.mts',
    platform: 'browser',
  });
  if (!values.client) {
    rmSync(join(out, 'lib'), { recursive: true, force: true });
    await bundle({
      input: lib,
      cwd: work,
      dir: join(out, 'lib'),
      chunks: 'shared/',
      format: 'cjs',
      extension: '.js',
      types: '.d.ts',
      platform: 'node',
    });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
