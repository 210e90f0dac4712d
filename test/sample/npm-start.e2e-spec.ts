import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { RedisQrLoginStore } from '../../lib/stores/redis';
import { startRedisServer } from '../support/redis-server';

/*
 * The fresh-machine promise: `npm start` from the repository root builds and
 * serves the sample. Each run gets its own process group, so the npm, sh and
 * node processes all end with it.
 */

const REPO_ROOT = resolve(__dirname, '../..');
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;

// Variables that would change what the sample starts with; each run sets its own.
const SAMPLE_VARIABLES = [
  'PORT',
  'HTTP_ADAPTER',
  'REDIS_URL',
  'PUBLIC_URL',
  'HOST',
  'JWT_SECRET',
  'NUMBER_MATCHING',
  'GEO_DB',
  'TRUST_PROXY',
];

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<Started>();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ready, fail) => server.once('error', fail).listen(0, ready));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port was assigned');
  return address.port;
}

function startSample(variables: Record<string, string>): Started {
  const env = { ...process.env };
  for (const name of SAMPLE_VARIABLES) delete env[name];
  const child = spawn('npm', ['start'], {
    cwd: REPO_ROOT,
    env: { ...env, ...variables },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  const started: Started = { child, output: () => output, exited };
  running.add(started);
  return started;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Ends the whole process group, by force if it ignores SIGTERM, and waits until no member is left. */
async function stop(started: Started): Promise<void> {
  const pid = started.child.pid!;
  if (groupAlive(pid)) process.kill(-pid, 'SIGTERM');
  if ((await within(started.exited, STOP_TIMEOUT_MS)) === 'timeout' && groupAlive(pid)) {
    process.kill(-pid, 'SIGKILL');
    await started.exited;
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (groupAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(-pid, 'SIGKILL');
      throw new Error(`process group ${pid} outlived SIGTERM; killed it`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  running.delete(started);
}

/** The first 200 of `url`, polling until the deadline; fails early if `npm start` exits. */
async function waitForPage(url: string, started: Started): Promise<Response> {
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void started.exited.then((result) => (exit = result));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exit) throw new Error(`npm start exited (${exit.code ?? exit.signal}) before serving:\n${started.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return response;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      throw new Error(`no 200 from ${url} within ${START_TIMEOUT_MS / 1000} s; output so far:\n${started.output()}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(process.platform === 'win32')('npm start', () => {
  afterEach(async () => {
    for (const started of [...running]) await stop(started);
  });

  it.each([
    { adapter: 'express', variables: {} as Record<string, string>, redis: false },
    { adapter: 'fastify', variables: { HTTP_ADAPTER: 'fastify' }, redis: false },
    { adapter: 'express', variables: {} as Record<string, string>, redis: true },
  ])(
    'serves the sample on PORT with $adapter (Redis: $redis)',
    async ({ adapter, variables, redis }) => {
      const port = await freePort();
      const redisServer = redis ? await startRedisServer() : undefined;
      onTestFinished(() => redisServer?.stop());
      const started = startSample({
        ...variables,
        PORT: String(port),
        ...(redisServer ? { REDIS_URL: redisServer.url } : {}),
      });
      const base = `http://127.0.0.1:${port}`;

      const page = await waitForPage(`${base}/`, started);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain('<title>Log in with your phone');
      expect(html).toContain('id="qr"');
      // npm start built the browser client the page imports.
      const clientModule = await fetch(`${base}/assets/client/index.mjs`);
      expect(clientModule.status).toBe(200);
      expect(clientModule.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(await clientModule.text()).toContain('startQrLogin');
      // The phone page's client, which `npm start` builds beside it.
      const appModule = await fetch(`${base}/assets/client/app/index.mjs`);
      expect(appModule.status).toBe(200);
      expect(await appModule.text()).toContain('createQrLoginAppClient');
      // Express announces itself; Fastify does not: the variable picked the adapter.
      expect(page.headers.get('x-powered-by')).toBe(adapter === 'express' ? 'Express' : null);

      const created = await fetch(`${base}/qr-login/qrcodes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(created.status).toBe(201);
      const { qrcodeId, payload } = await created.json();
      expect(payload).toBe(`http://localhost:${port}/phone?code=${encodeURIComponent(qrcodeId)}`);

      const storeName = redis ? 'Redis' : 'in-memory';
      expect(started.output()).toContain(
        `nestjs-qr-login sample (${adapter}, ${storeName} store) is running at http://localhost:${port}`,
      );
      if (redisServer) {
        // REDIS_URL really put the code in that Redis.
        const probe = new RedisQrLoginStore({ url: redisServer.url });
        try {
          expect((await probe.get(qrcodeId))?.status).toBe('PENDING');
        } finally {
          await probe.close();
        }
      }

      await stop(started);
      const exit = await started.exited;
      expect(exit.code !== null || exit.signal !== null).toBe(true);
      expect(groupAlive(started.child.pid!)).toBe(false);
      await expect(fetch(`${base}/`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    },
    START_TIMEOUT_MS + 3 * STOP_TIMEOUT_MS,
  );
});
