import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * Installs packages into a scratch app the way this repository's `npm ci`
 * resolved them, so a suite gives the same answer on every machine on the
 * same commit, whatever the registry published since and whatever the npm
 * cache holds. Each named package is pinned to the version in the
 * repository's package-lock.json, and that lockfile is handed to the scratch
 * app, so npm keeps every transitive package at its locked version too.
 *
 * `QR_LOGIN_LATEST_PEERS=1` (the `npm run test:latest-peers` script) turns
 * the pinning off on purpose: packages then resolve to the newest version
 * within the range this package's manifest allows (its peer range, else its
 * dev range), which is what a new user installs today.
 */

const root = join(__dirname, '..', '..');

/** True when the suite checks the newest published peers instead of the locked ones. */
export const latestPeers = process.env.QR_LOGIN_LATEST_PEERS === '1';

interface Lockfile {
  name?: string;
  packages: Record<string, { version?: string; [key: string]: unknown }>;
  [key: string]: unknown;
}

interface Manifest {
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** The version this repository's lockfile resolved for a top-level package; throws when it has none. */
export function lockedVersion(name: string): string {
  const lock = readJson<Lockfile>(join(root, 'package-lock.json'));
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version)
    throw new Error(`${name} is not in package-lock.json: add it to devDependencies so its version is pinned.`);
  return version;
}

/** The range a new user would install today: this package's peer range, else its dev range. */
function latestRange(name: string): string {
  const manifest = readJson<Manifest>(join(root, 'package.json'));
  return manifest.peerDependencies?.[name] ?? manifest.devDependencies?.[name] ?? 'latest';
}

/**
 * Adds `packages` (names, no versions) and any `local` specs (a name mapped to
 * `file:` tarball) to the scratch app at `app`, on top of what it already
 * declares, and runs `npm install` there.
 */
export function lockedInstall(app: string, packages: string[], local: Record<string, string> = {}): void {
  const manifestPath = join(app, 'package.json');
  const manifest = readJson<{ name: string; dependencies?: Record<string, string> }>(manifestPath);
  const dependencies = { ...manifest.dependencies, ...local };
  for (const name of packages) dependencies[name] = latestPeers ? latestRange(name) : lockedVersion(name);
  manifest.dependencies = dependencies;
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));

  if (!latestPeers) {
    // npm prunes the scratch app's lockfile to what it installed; the repository's
    // whole lockfile goes back in before each install so added packages are pinned too.
    const lock = readJson<Lockfile>(join(root, 'package-lock.json'));
    lock.name = manifest.name;
    lock.packages[''] = { name: manifest.name, version: '1.0.0', dependencies };
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lock));
  }
  execFileSync('npm', ['install', ...(latestPeers ? ['--no-package-lock'] : [])], {
    cwd: app,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' },
  });
}
