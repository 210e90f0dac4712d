import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as rootEntry from '../lib';

/*
 * The layout the README describes, checked on the sources: the kernel knows
 * no plugin, and no class grows back into a do-everything service.
 */

const root = join(__dirname, '..');
const lib = join(root, 'lib');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) && !/\.(e2e-)?spec\.ts$/.test(name) ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports, dynamic imports and require() included. */
function specifiersOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteral(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require'))
        found.push(node.arguments[0].text);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('architecture', () => {
  it('no file of the kernel imports from a plugin, the HTTP edge or a store', () => {
    const kernel = sources(join(lib, 'kernel'));
    expect(kernel.length).toBeGreaterThan(10);
    const crossings = kernel.flatMap((file) =>
      specifiersOf(file)
        .filter((specifier) => specifier.startsWith('.'))
        .map((specifier) => relative(lib, join(file, '..', specifier)))
        .filter((target) => /^(plugins|http|stores)(\/|$)/.test(target))
        .map((target) => `${relative(root, file)} → lib/${target}`),
    );
    expect(crossings).toEqual([]);
  });

  it('the check sees an import of a plugin when there is one', () => {
    // Guards the scan itself: a specifier it cannot parse would make the test above pass vacuously.
    const service = join(lib, 'kernel', 'qr-login.service.ts');
    expect(specifiersOf(service)).toContain('./qr-login.rules');
    const genauth = join(lib, 'plugins', 'genauth', 'genauth-compat.service.ts');
    expect(specifiersOf(genauth)).toContain('../../plugin');
  });

  it('no class in lib/ is longer than 250 lines', () => {
    const lengths: Array<[string, number]> = [];
    for (const file of sources(lib)) {
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node) => {
        if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
          const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
          const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
          lengths.push([`${relative(root, file)}: ${node.name?.text ?? '(anonymous)'}`, last - first + 1]);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(lengths.length).toBeGreaterThan(20);
    expect(lengths.filter(([, lines]) => lines > 250).map(([name]) => name)).toEqual([]);
  });
});

/** Where a relative import of `file` lands, relative to lib/ (e.g. `kernel/qr-login.errors`). */
function targetsOf(file: string): string[] {
  return specifiersOf(file)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(lib, join(file, '..', specifier)));
}

/** Every file's relative imports that break `allowed(fromFolder, toPath)`, as `file → lib/target`. */
function crossingsIn(files: string[], allowed: (file: string, target: string) => boolean): string[] {
  return files.flatMap((file) =>
    targetsOf(file)
      .filter((target) => !allowed(relative(lib, file), target))
      .map((target) => `${relative(root, file)} → lib/${target}`),
  );
}

const withSpecs = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return withSpecs(path);
    return /\.ts$/.test(name) ? [path] : [];
  });

describe('one door for plugins, and layers that point one way', () => {
  it('a plugin imports the rest of lib/ only through the plugin entry (lib/plugin)', () => {
    const files = withSpecs(join(lib, 'plugins'));
    expect(files.length).toBeGreaterThan(30);
    const ownFolder = (file: string) => file.split('/').slice(0, 2).join('/');
    const crossings = crossingsIn(
      files,
      (file, target) => target.startsWith(`${ownFolder(file)}/`) || target === 'plugin' || target === 'plugin/index',
    );
    expect(crossings).toEqual([]);
  });

  it('the plugin check sees a reach around the door when there is one', () => {
    const probe = join(lib, 'plugins', 'device', 'device-grant.service.ts');
    const allowNothing = crossingsIn([probe], () => false);
    expect(allowNothing).toContain('lib/plugins/device/device-grant.service.ts → lib/plugin');
    expect(crossingsIn([probe], (_file, target) => target !== 'plugin')).toEqual([
      'lib/plugins/device/device-grant.service.ts → lib/plugin',
    ]);
  });

  it('nothing below the plugins imports a plugin, and stores build on the kernel only', () => {
    const below = ['kernel', 'http', 'auth', 'risk', 'stores', 'plugin'].flatMap((dir) => sources(join(lib, dir)));
    expect(crossingsIn(below, (_file, target) => !target.startsWith('plugins/'))).toEqual([]);
    const stores = sources(join(lib, 'stores'));
    expect(crossingsIn(stores, (_file, target) => /^(kernel|stores)\//.test(target))).toEqual([]);
  });

  it('the testing entry builds on the kernel only, loads no driver, and no source in lib/ imports the tests', () => {
    const testing = sources(join(lib, 'testing'));
    expect(testing.length).toBeGreaterThan(3);
    expect(crossingsIn(testing, (_file, target) => /^(kernel|testing)\//.test(target))).toEqual([]);
    const packages = testing.flatMap((file) => specifiersOf(file).filter((specifier) => !specifier.startsWith('.')));
    expect(new Set(packages)).toEqual(new Set(['node:assert/strict', 'node:crypto', 'rxjs']));
    // The shipped suite must not lean on this repository's test support or on a test framework.
    const intoTests = (file: string) =>
      specifiersOf(file)
        .filter((specifier) => /(^|\/)test(\/|$)|^vitest(\/|$)/.test(specifier))
        .map((specifier) => `${relative(root, file)} → ${specifier}`);
    expect(sources(lib).flatMap(intoTests)).toEqual([]);
    // The check is real: a spec beside the Postgres store (not a source) starts the tests' database.
    expect(intoTests(join(lib, 'stores', 'postgres', 'postgres-qr-login.store.spec.ts'))).toContain(
      'lib/stores/postgres/postgres-qr-login.store.spec.ts → ../../../test/support/postgres-server',
    );
  });

  it('the root entry is the app API: at most 20 runtime names', () => {
    const names = Object.keys(rootEntry).sort();
    expect(names.length).toBeGreaterThan(10);
    expect(names.length, names.join(', ')).toBeLessThanOrEqual(20);
  });

  it('every entry exports by name (no export *)', () => {
    const entries = [
      'index.ts',
      'plugin/index.ts',
      'risk/index.ts',
      'plugins/device/index.ts',
      'plugins/genauth/index.ts',
      'plugins/wechat/index.ts',
      'stores/redis/index.ts',
      'stores/postgres/index.ts',
      'testing/index.ts',
    ];
    const starred = entries.filter((entry) => /^export \*/m.test(readFileSync(join(lib, entry), 'utf8')));
    expect(starred).toEqual([]);
  });
});
