import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeFixedPort } from './free-port';

/** A throwaway `redis-server` on a loopback port, owned by one test file. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Kills this server's process (only its PID) and removes its data directory. Safe to call twice. */
  stop(): Promise<void>;
  /** Starts the server again on the same port (stopping it first if it runs), for outage tests. */
  restart(): Promise<void>;
}

export interface StartRedisServerOptions {
  /** Executable to run. Default: `$REDIS_SERVER_BIN`, else `redis-server` from PATH. */
  binary?: string;
}

const MISSING_MESSAGE =
  'redis-server is not installed; install it (apt-get install -y redis-server) — the test suite needs a real Redis';

// How long a server may take to answer PING after spawning; a cold start takes a few ms.
const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3_000;
// Another process may grab the free port between probing and binding it.
const PORT_ATTEMPTS = 5;

/**
 * Starts `redis-server` with no persistence on a free 127.0.0.1 port in a
 * fresh temporary directory and resolves once it answers PING. Throws (never
 * skips) when the executable is missing, so a machine without Redis fails the
 * suite instead of passing fewer tests.
 */
export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<RedisServer> {
  const binary = options.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freeFixedPort();
    try {
      const running = await launch(binary, port);
      return control(binary, port, running);
    } catch (error) {
      if (error instanceof RedisMissingError) throw error;
      lastError = error;
    }
  }
  throw new Error(`redis-server did not start after ${PORT_ATTEMPTS} attempts: ${(lastError as Error)?.message}`, {
    cause: lastError,
  });
}

class RedisMissingError extends Error {}

interface Running {
  child: ChildProcess;
  dir: string;
  exited: Promise<void>;
}

function control(binary: string, port: number, first: Running): RedisServer {
  let current: Running | undefined = first;
  const stop = async () => {
    const running = current;
    current = undefined;
    if (running) await terminate(running);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    restart: async () => {
      await stop();
      current = await launch(binary, port);
    },
  };
}

async function launch(binary: string, port: number): Promise<Running> {
  const dir = await mkdtemp(join(tmpdir(), 'qr-login-redis-'));
  const child = spawn(
    binary,
    ['--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--port', String(port), '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    // Enough of the log to explain a failed start; the rest is noise.
    if (output.length < 8_000) output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  // If the test runner dies first, the server must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let spawnError: NodeJS.ErrnoException | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      spawnError = error;
      resolve();
    });
    child.once('exit', () => resolve());
  }).finally(() => process.removeListener('exit', killOnExit));
  const running: Running = { child, dir, exited };
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await answersPing(port))) {
    if (exitedEarly || spawnError) {
      await rm(dir, { recursive: true, force: true });
      if (spawnError?.code === 'ENOENT') throw new RedisMissingError(MISSING_MESSAGE);
      throw new Error(`redis-server exited during start on port ${port}: ${spawnError?.message ?? output.trim()}`);
    }
    if (Date.now() > deadline) {
      await terminate(running);
      throw new Error(
        `redis-server did not answer PING on port ${port} within ${START_TIMEOUT_MS} ms: ${output.trim()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return running;
}

async function terminate(running: Running): Promise<void> {
  const { child } = running;
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    child.kill('SIGTERM');
    const grace = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await running.exited;
    clearTimeout(grace);
  }
  await rm(running.dir, { recursive: true, force: true });
}

/** One raw PING over TCP, so this helper does not depend on the client library under test. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
