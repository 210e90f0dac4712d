import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The entries table of docs/plugins.md against package.json `exports` and the
 * entries' index files: every entry has a row, every runtime name an entry
 * exports is named in its row, and every optional peer is named somewhere.
 */

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string }>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

/** The source index of an entry, from the declarations its `types` condition points to. */
function sourceOf(types: string): string {
  return types.replace(/^\.\/dist\//, '').replace(/\.d\.(m?)ts$/, '.$1ts');
}

/** The value (not type-only) names an index file re-exports with `export { … } from`. */
function runtimeNames(source: string): string[] {
  const names: string[] = [];
  for (const [, list] of source.matchAll(/^export \{([^}]*)\} from /gm)) {
    for (const item of list.split(',').map((part) => part.trim())) {
      if (item === '' || item.startsWith('type ')) continue;
      names.push(item.split(/\s+as\s+/).pop()!);
    }
  }
  return names;
}

/** The table's rows, by the specifier in their first cell. */
function tableRows(): Map<string, string> {
  const page = readFileSync(join(root, 'docs', 'plugins.md'), 'utf8');
  const rows = new Map<string, string>();
  for (const [, specifier, rest] of page.matchAll(/^\| `(nestjs-qr-login[^`]*)` \|(.*)$/gm)) rows.set(specifier, rest);
  return rows;
}

const entries = Object.entries(pkg.exports)
  .filter(([path]) => path !== './package.json')
  .map(([path, target]) => ({
    specifier: path === '.' ? 'nestjs-qr-login' : `nestjs-qr-login/${path.slice(2)}`,
    source: sourceOf(typeof target === 'string' ? target : target.types),
  }));

describe('the entries table of docs/plugins.md', () => {
  it('has one row per package entry and no other', () => {
    expect([...tableRows().keys()].sort()).toEqual(entries.map((entry) => entry.specifier).sort());
    expect(entries.length).toBeGreaterThanOrEqual(10);
  });

  it.each(entries)("names every runtime export of $specifier in that entry's row", ({ specifier, source }) => {
    const names = runtimeNames(readFileSync(join(root, source), 'utf8'));
    expect(names.length, source).toBeGreaterThan(0);
    const row = tableRows().get(specifier) ?? '';
    // The OpenAPI decorators of the plugin entry are named as one group, `Api*`.
    const missing = names.filter(
      (name) => !row.includes(`\`${name}\``) && !(name.startsWith('Api') && row.includes('`Api*`')),
    );
    expect(missing, `${specifier} (${source})`).toEqual([]);
  });

  it('names every optional peer in the table', () => {
    const table = [...tableRows().values()].join('\n');
    const optional = Object.keys(pkg.peerDependenciesMeta).filter((name) => pkg.peerDependenciesMeta[name].optional);
    expect(optional.filter((name) => !table.includes(`\`${name}\``))).toEqual([]);
  });
});
