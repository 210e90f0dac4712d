import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A throwaway PostgreSQL cluster on a loopback port, owned by one test file. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication, no password). */
  url: string;
  port: number;
  /** Stops the server (fast shutdown) and removes its data directory. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops the server, keeping its data, for outage tests; `start()` brings it back with the same data. */
  pause(): Promise<void>;
  /** Starts a paused server again on the same port, with the data it had. */
  start(): Promise<void>;
}

export interface StartPostgresServerOptions {
  /** Directory holding `initdb` and `pg_ctl`. Default: `$POSTGRES_BIN_DIR`, else the newest `/usr/lib/postgresql/<n>/bin`. */
  binDir?: string;
}

const MISSING_MESSAGE =
  'PostgreSQL is not installed; install it (apt-get install -y postgresql) — the test suite needs a real PostgreSQL';

// Another process may grab the free port between probing and binding it.
const PORT_ATTEMPTS = 5;
// initdb and a cold start take a few seconds on a loaded machine.
const COMMAND_TIMEOUT_MS = 120_000;

/**
 * Creates a fresh cluster (`initdb`, trust authentication) in a temporary
 * directory and starts it on a free 127.0.0.1 port with `pg_ctl -w`, which
 * returns once it accepts connections. Throws (never skips) when PostgreSQL
 * is missing, so a machine without it fails the suite instead of passing
 * fewer tests. As root the binaries run as the `postgres` user, which
 * PostgreSQL requires.
 */
export async function startPostgresServer(options: StartPostgresServerOptions = {}): Promise<PostgresServer> {
  const binDir = options.binDir ?? process.env.POSTGRES_BIN_DIR ?? newestBinDir();
  if (!binDir || !existsSync(join(binDir, 'initdb')) || !existsSync(join(binDir, 'pg_ctl')))
    throw new Error(MISSING_MESSAGE);

  const dir = await mkdtemp(join(tmpdir(), 'qr-login-postgres-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await chown(dir, uidOf('postgres'), gidOf('postgres'));
  const exec = (binary: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(binDir, binary), ...args], { timeout: COMMAND_TIMEOUT_MS })
      : run(join(binDir, binary), args, { timeout: COMMAND_TIMEOUT_MS });

  try {
    await exec('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${outputOf(error)}`, { cause: error });
  }

  let port = 0;
  let running = false;
  const pgCtlStart = () =>
    exec('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      // No fsync: a throwaway cluster needs no durability against power loss, and it spares the shared disk.
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off`,
      '-w',
      'start',
    ]);
  const pgCtlStop = () => exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);

  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS && !running; attempt++) {
    port = await freePort();
    try {
      await pgCtlStart();
      running = true;
    } catch (error) {
      lastError = error;
    }
  }
  if (!running) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start after ${PORT_ATTEMPTS} attempts: ${outputOf(lastError)}`, {
      cause: lastError,
    });
  }

  // If the test runner dies first, the server must not outlive it.
  const killOnExit = () => {
    if (running) {
      try {
        execFileSync(
          asRoot ? 'runuser' : join(binDir, 'pg_ctl'),
          asRoot
            ? ['-u', 'postgres', '--', join(binDir, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop']
            : ['-D', data, '-m', 'immediate', 'stop'],
          { stdio: 'ignore' },
        );
      } catch {
        // Already gone.
      }
    }
  };
  process.once('exit', killOnExit);

  let removed = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    pause: async () => {
      if (!running) return;
      await pgCtlStop();
      running = false;
    },
    start: async () => {
      if (running || removed) return;
      await pgCtlStart();
      running = true;
    },
    stop: async () => {
      if (removed) return;
      removed = true;
      process.removeListener('exit', killOnExit);
      if (running) await pgCtlStop().catch(() => undefined);
      running = false;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function newestBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : undefined;
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}

function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
}

function outputOf(error: unknown): string {
  const failed = error as { stderr?: string; stdout?: string; message?: string } | undefined;
  return (failed?.stderr || failed?.stdout || failed?.message || String(error)).trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
