import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as rootEntry from '../lib';
import { QrLoginDeviceGrantConfigError, QrLoginDeviceGrantException } from '../lib/plugins/device';
import { QrLoginGenAuthException, QrLoginGenAuthConfigError } from '../lib/plugins/genauth';
import { QrLoginWechatConfigError, QrLoginWechatException } from '../lib/plugins/wechat';

/*
 * The layout the README describes, checked on the sources: the kernel knows
 * no plugin, and no class or file grows back into a do-everything one, on
 * the server (lib/) or in the browser (client/, its app client included).
 */

const root = join(__dirname, '..');
const lib = join(root, 'lib');
const client = join(root, 'client');

const MAX_CLASS_LINES = 250;
const MAX_FILE_LINES = 300;

/** The source files under `dir`, tests left out: `.ts` for the server, `.mts` for the browser. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.m?ts$/.test(name) && !/\.d\.m?ts$/.test(name) && !/\.(e2e-)?spec\.m?ts$/.test(name) ? [path] : [];
  });
}

/** Lines of a file, as `wc -l` counts them when it ends with a newline. */
function lineCount(file: string): number {
  const text = readFileSync(file, 'utf8');
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** Every class of the files, named `path: Class`, with its length in lines. */
function classLengths(files: string[]): Array<[string, number]> {
  const lengths: Array<[string, number]> = [];
  for (const file of files) {
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
  return lengths;
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

  it('the checks below read the browser client too', () => {
    // Guards the scans: `.mts` files missed would make the limits pass vacuously for client/.
    const files = sources(client).map((file) => relative(root, file));
    expect(files).toEqual(expect.arrayContaining(['client/index.mts', 'client/app/index.mts']));
    expect(files.filter((file) => file.endsWith('.mts')).length).toBeGreaterThan(10);
    expect(classLengths(sources(client)).map(([name]) => name)).toContain(
      'client/qr-login-code.element.mts: QrLoginCodeElement',
    );
  });

  it(`no class in lib/ or client/ is longer than ${MAX_CLASS_LINES} lines`, () => {
    const lengths = classLengths([...sources(lib), ...sources(client)]);
    expect(lengths.length).toBeGreaterThan(20);
    expect(lengths.filter(([, lines]) => lines > MAX_CLASS_LINES).map(([name]) => name)).toEqual([]);
  });

  it(`no source file in lib/ or client/ is longer than ${MAX_FILE_LINES} lines`, () => {
    const files = [...sources(lib), ...sources(client)].map((file) => [relative(root, file), lineCount(file)] as const);
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter(([, lines]) => lines > MAX_FILE_LINES).map(([name]) => name)).toEqual([]);
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

/** The kernel's rule: its files import only its own. */
const kernelOnly = (_file: string, target: string): boolean => target.startsWith('kernel/');
/** The middle layers' rule: no plugin, no plugin door (`lib/plugin`), no store test kit (`lib/testing`). */
const belowPlugins = (_file: string, target: string): boolean => !/^(plugins|plugin|testing)(\/|$)/.test(target);

describe('one door for plugins, and layers that point one way', () => {
  it('a plugin imports the rest of lib/ only through the plugin entry (lib/plugin)', () => {
    const files = withSpecs(join(lib, 'plugins'));
    expect(files.length).toBeGreaterThan(30);
    const ownFolder = (file: string) => file.split('/').slice(0, 2).join('/');
    // A plugin's spec may also use the test helpers (a manual clock, the kernel wired over public entries, fake servers).
    const testHelper = (file: string, target: string) => /\.spec\.ts$/.test(file) && target.startsWith('../test/');
    const crossings = crossingsIn(
      files,
      (file, target) =>
        target.startsWith(`${ownFolder(file)}/`) ||
        target === 'plugin' ||
        target === 'plugin/index' ||
        testHelper(file, target),
    );
    expect(crossings).toEqual([]);
    // The allowance is for specs only: plugin code reaching into test/ is still a crossing.
    expect(testHelper('plugins/device/device-grant.spec.ts', '../test/support/manual-clock')).toBe(true);
    expect(testHelper('plugins/device/device-grant.service.ts', '../test/support/manual-clock')).toBe(false);
    expect(testHelper('plugins/device/device-grant.spec.ts', 'kernel/qr-login.rules')).toBe(false);
  });

  it('the plugin check sees a reach around the door when there is one', () => {
    const probe = join(lib, 'plugins', 'device', 'device-grant.service.ts');
    const allowNothing = crossingsIn([probe], () => false);
    expect(allowNothing).toContain('lib/plugins/device/device-grant.service.ts → lib/plugin');
    expect(crossingsIn([probe], (_file, target) => target !== 'plugin')).toEqual([
      'lib/plugins/device/device-grant.service.ts → lib/plugin',
    ]);
  });

  it('the kernel is at the bottom: no file of lib/kernel imports anything else of lib/', () => {
    const kernel = withSpecs(join(lib, 'kernel'));
    expect(kernel.map((file) => relative(lib, file))).toContain('kernel/qr-login.wiring.ts');
    expect(crossingsIn(kernel, kernelOnly)).toEqual([]);
  });

  it('the kernel knows no tracer: it imports nothing of OpenTelemetry, and telemetry plugs into its port', () => {
    const kernel = withSpecs(join(lib, 'kernel'));
    const packages = kernel.flatMap((file) =>
      specifiersOf(file)
        .filter((specifier) => /^@opentelemetry\//.test(specifier))
        .map((specifier) => `${relative(root, file)} → ${specifier}`),
    );
    expect(packages).toEqual([]);
    // The check is real: the telemetry entry imports OpenTelemetry, and the port through the plugin door.
    const tracing = join(lib, 'telemetry', 'telemetry.tracing.ts');
    expect(specifiersOf(tracing)).toEqual(expect.arrayContaining(['@opentelemetry/api', '../plugin']));
  });

  it('the kernel check sees an import of risk when there is one', () => {
    // Guards the check: the HTTP service imports risk's origin check, which the same rule must flag in a kernel file.
    const probe = join(lib, 'http', 'qr-login-http.service.ts');
    expect(crossingsIn([probe], kernelOnly)).toContain(
      'lib/http/qr-login-http.service.ts → lib/risk/origin-allow-list',
    );
    // And it lets the kernel's own imports through (the port the risk layer implements).
    expect(crossingsIn([join(lib, 'risk', 'qr-login-risk.assessor.ts')], kernelOnly)).not.toContain(
      'lib/risk/qr-login-risk.assessor.ts → lib/kernel/interfaces/qr-login-risk.port',
    );
  });

  it('the middle layers (stores, HTTP, authentication, risk) reach neither the plugins nor their doors', () => {
    const middle = ['http', 'auth', 'risk', 'stores'].flatMap((dir) => sources(join(lib, dir)));
    expect(middle.length).toBeGreaterThan(30);
    expect(crossingsIn(middle, belowPlugins)).toEqual([]);
    // The check is real: a plugin's import of its door is exactly what the rule refuses.
    const probe = join(lib, 'plugins', 'device', 'device-grant.service.ts');
    expect(crossingsIn([probe], belowPlugins)).toContain('lib/plugins/device/device-grant.service.ts → lib/plugin');
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
      'telemetry/index.ts',
    ];
    const starred = entries.filter((entry) => /^export \*/m.test(readFileSync(join(lib, entry), 'utf8')));
    expect(starred).toEqual([]);
  });
});

describe('one error scheme', () => {
  it("every plugin's start-up error is a QrLoginConfigError, and says which module", () => {
    for (const [ErrorClass, module] of [
      [QrLoginDeviceGrantConfigError, 'QrLoginDeviceGrantModule'],
      [QrLoginGenAuthConfigError, 'QrLoginGenAuthModule'],
      [QrLoginWechatConfigError, 'QrLoginWechatModule'],
    ] as const) {
      const error = new ErrorClass('x is wrong');
      expect(error).toBeInstanceOf(rootEntry.QrLoginConfigError);
      expect(error.message).toContain(module);
    }
  });

  it("every plugin's HTTP refusal is a QrLoginException", () => {
    for (const ExceptionClass of [QrLoginDeviceGrantException, QrLoginGenAuthException, QrLoginWechatException]) {
      expect(ExceptionClass.prototype).toBeInstanceOf(rootEntry.QrLoginException);
    }
  });
});
