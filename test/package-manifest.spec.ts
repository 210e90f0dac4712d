import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !/\.spec\.ts$/.test(name) ? [path] : [];
  });
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

describe('package manifest', () => {
  const imported = new Set<string>();
  for (const file of sourceFiles(join(root, 'lib'))) {
    const text = readFileSync(file, 'utf8');
    // Import and export statements at the start of a line, and require()/import() calls: not words in comments.
    const statements =
      /^\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/gm;
    for (const match of text.matchAll(statements)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
      imported.add(packageOf(specifier));
    }
  }

  it('declares every package lib/ imports as a dependency or a peer', () => {
    const declared = { ...manifest.dependencies, ...manifest.peerDependencies };
    const undeclared = [...imported].filter((name) => !(name in declared));
    expect(imported.size).toBeGreaterThan(3);
    expect(undeclared).toEqual([]);
  });

  it('names every dependency where the README says what the package installs', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const line = readme.split('\n').find((text) => text.includes('Besides its peers it installs'));
    expect(line, 'the README line that says what the package installs').toBeDefined();
    const named = [...line!.matchAll(/`([^`]+)`/g)].map((match) => match[1]).sort();
    expect(named).toEqual(Object.keys(manifest.dependencies).sort());
  });

  it('installs every peer for its own tests', () => {
    for (const peer of Object.keys(manifest.peerDependencies)) {
      expect(manifest.devDependencies, peer).toHaveProperty(peer);
    }
  });

  it('exports types, require, import and package.json', () => {
    expect(manifest.exports['.']).toMatchObject({
      types: expect.any(String),
      require: expect.any(String),
      import: expect.any(String),
      default: expect.any(String),
    });
    expect(manifest.exports['./package.json']).toBe('./package.json');
  });
});
