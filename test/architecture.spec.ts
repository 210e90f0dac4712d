import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

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
    expect(specifiersOf(genauth).some((s) => s.includes('kernel/qr-login.service'))).toBe(true);
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
