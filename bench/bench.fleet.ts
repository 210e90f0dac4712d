import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { ensurePostgresQrLoginSchema } from '../lib/stores/postgres';
import { startPostgresServer } from '../test/support/postgres-server';
import { startRedisCluster } from '../test/support/redis-cluster';
import { startRedisServer } from '../test/support/redis-server';
import { startServer, type ServerChild } from './bench.child';
import { alice, call, holdStream, type HeldStream } from './bench.http';
import type { ServerConfig } from './bench.protocol';

/*
 * Issue 25, the fleet: four app instances on this machine over one store
 * (a Redis Cluster of three masters, or PostgreSQL), whole logins spread
 * over all of them, and the figures a fleet is sized from: logins per second
 * per instance, CPU per login, store round trips per login, memory per held
 * login page. BENCHMARKS.md ("Fleet") turns them into a plan.
 */

export interface FleetParams {
  /** App instances. */
  instances: number;
  /** Concurrent login loops of the driver. */
  concurrency: number;
  warmupSeconds: number;
  seconds: number;
  /** Login pages (a code and its open stream) held on each instance for the memory figures. */
  pagesPerInstance: number;
}

export interface FleetRow {
  section: string;
  adapter?: string;
  store?: string;
  figure: string;
  value: number;
  unit: string;
  target?: string;
  met?: boolean;
  reason?: string;
}

type Add = (row: FleetRow) => void;

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One login as a phone login goes across a fleet behind a load balancer:
 * the page creates its code and holds its event stream on instance `i`, the
 * phone scans and confirms on `i + 1`, the page reads the ticket and
 * redeems it on `i + 2`. Six requests (five plus the stream), three instances.
 */
async function spreadLogin(urls: string[], i: number): Promise<void> {
  const n = urls.length;
  const [page, phone, redeem] = [urls[i % n], urls[(i + 1) % n], urls[(i + 2) % n]];
  const created = await call(page, 'POST', '/qr-login/qrcodes', { body: {} });
  const id: string = created.qrcodeId;
  const secret = { 'x-qr-login-secret': created.creatorSecret };
  const stream = await holdStream(page, id, secret);
  try {
    await call(phone, 'POST', `/qr-login/qrcodes/${id}/scan`, { headers: alice });
    await call(phone, 'POST', `/qr-login/qrcodes/${id}/confirm`, { headers: alice });
    await stream.waitFor('AUTHORIZED').catch((e) => {
      throw new Error(`${e.message}; statuses ${JSON.stringify(stream.statuses.map((x) => x.status))}`);
    });
  } finally {
    stream.close();
  }
  const status = await call(redeem, 'GET', `/qr-login/qrcodes/${id}`, { headers: secret });
  await call(redeem, 'POST', '/qr-login/login', { body: { ticket: status.ticket }, headers: secret });
}

/** Logins per instance (by the instance that created the code) over `seconds`, from `concurrency` loops. */
async function drive(urls: string[], concurrency: number, seconds: number): Promise<{ logins: number[]; s: number }> {
  const logins = urls.map(() => 0);
  const until = Date.now() + seconds * 1000;
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        const i = next++;
        await spreadLogin(urls, i);
        logins[i % urls.length]++;
      }
    }),
  );
  return { logins, s: (Date.now() - started) / 1000 };
}

/** Waits (up to 30 s) until an instance has reached its store: it connects in the background and answers 503 until then. */
async function storeReachable(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await call(url, 'POST', '/qr-login/qrcodes', { body: {} });
      return;
    } catch (error) {
      if (Date.now() > deadline || !String((error as Error).message).includes('503')) throw error;
      await sleep(100);
    }
  }
}

/** GET /bare on every instance in turn from `concurrency` loops for `seconds`; returns the requests made. */
async function bareRequests(urls: string[], concurrency: number, seconds: number): Promise<number> {
  const until = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = 0; Date.now() < until; i++) {
        await call(urls[i % urls.length], 'GET', '/bare');
        done++;
      }
    }),
  );
  return done;
}

const cpuMs = async (server: ServerChild) => {
  const cpu = await server.ask({ type: 'cpu' }, 'cpu');
  return (cpu.userUs + cpu.systemUs) / 1000;
};

/** A store's own view of the run: what it served, summed over its servers. */
interface Backend {
  label: string;
  config: Partial<ServerConfig>;
  /** Commands (Redis) processed, CPU seconds and memory bytes, summed over the servers; statements are counted at the app. */
  stats(): Promise<{ commands?: number; perNode?: number[]; cpuS?: number; memory?: number; connections?: number }>;
  stop(): Promise<void>;
}

const infoField = (info: string, field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);

async function redisClusterBackend(): Promise<Backend> {
  const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
  const ports = await cluster.masters();
  const nodes = ports.map((port) => new Redis({ host: '127.0.0.1', port }));
  const each = () => Promise.all(nodes.map(async (node) => (await node.info()) as string));
  return {
    label: 'redis-cluster',
    config: { store: 'redis', redisCluster: cluster.startupNodes() },
    async stats() {
      const infos = await each();
      const sum = (field: string) => infos.reduce((total, info) => total + infoField(info, field), 0);
      return {
        commands: sum('total_commands_processed'),
        perNode: infos.map((info) => infoField(info, 'total_commands_processed')),
        cpuS: sum('used_cpu_user') + sum('used_cpu_sys'),
        memory: sum('used_memory'),
      };
    },
    async stop() {
      for (const node of nodes) node.disconnect();
      await cluster.stop();
    },
  };
}

async function postgresBackend(): Promise<Backend> {
  const server = await startPostgresServer();
  const pool = new Pool({ connectionString: server.url, max: 1 });
  await ensurePostgresQrLoginSchema(pool);
  return {
    label: 'postgres',
    config: { store: 'postgres', postgresUrl: server.url },
    async stats() {
      const { rows } = await pool.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'",
      );
      // The driver's own connection is one of them.
      return { connections: rows[0].n - 1 };
    },
    async stop() {
      await pool.end();
      await server.stop();
    },
  };
}

/** Memory of held login pages: a code and its open stream on every instance, RSS and store memory before and after. */
async function pageMemory(servers: ServerChild[], backend: Backend, perInstance: number) {
  const rssBefore = await Promise.all(servers.map((s) => s.ask({ type: 'memory', gc: true }, 'memory')));
  const storeBefore = (await backend.stats()).memory;
  const streams: HeldStream[] = [];
  for (const server of servers) {
    for (let i = 0; i < perInstance; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, perInstance - i) }, async () => {
          const created = await call(server.url, 'POST', '/qr-login/qrcodes', { body: {} });
          return holdStream(server.url, created.qrcodeId, { 'x-qr-login-secret': created.creatorSecret });
        }),
      );
      streams.push(...batch);
    }
  }
  await sleep(500);
  const rssAfter = await Promise.all(servers.map((s) => s.ask({ type: 'memory', gc: true }, 'memory')));
  const storeAfter = (await backend.stats()).memory;
  for (const stream of streams) stream.close();
  const rssKb = rssAfter.map((after, k) => (after.rss - rssBefore[k].rss) / perInstance / 1024);
  const heapKb = rssAfter.map((after, k) => (after.heapUsed - rssBefore[k].heapUsed) / perInstance / 1024);
  const storeBytes =
    storeBefore !== undefined && storeAfter !== undefined
      ? (storeAfter - storeBefore) / (perInstance * servers.length)
      : undefined;
  return { rssKb, heapKb, storeBytes };
}

/** The fleet run over one store; each row's store is the backend's label. */
async function fleetOn(backend: Backend, params: FleetParams, add: Add, adapter: ServerConfig['adapter']) {
  const store = backend.label;
  const servers = await Promise.all(
    Array.from({ length: params.instances }, () =>
      startServer({ adapter, store: 'memory', ...backend.config } as ServerConfig),
    ),
  );
  const urls = servers.map((s) => s.url);
  try {
    await Promise.all(urls.map(storeReachable));
    const row = (figure: string, value: number, unit: string, extra: Partial<FleetRow> = {}) =>
      add({ section: 'fleet', adapter, store, figure, value, unit, ...extra });
    // Memory first, in processes that have done little yet: RSS a load run grew would hide what pages add.
    const memory = await pageMemory(servers, backend, params.pagesPerInstance);
    memory.heapKb.forEach((kb, k) =>
      row(`heap per held login page (code + stream), instance ${k + 1}, ${params.pagesPerInstance} held`, kb, 'KB'),
    );
    memory.rssKb.forEach((kb, k) =>
      row(`RSS per held login page (code + stream), instance ${k + 1}, ${params.pagesPerInstance} held`, kb, 'KB'),
    );
    if (memory.storeBytes !== undefined)
      row('Redis memory per held login page (record + subscription)', memory.storeBytes, 'bytes');
    await sleep(1_000);
    await drive(urls, params.concurrency, params.warmupSeconds);
    for (const server of servers) await server.ask({ type: 'storeCalls', reset: true }, 'storeCalls');
    const cpuBefore = await Promise.all(servers.map(cpuMs));
    const storeBefore = await backend.stats();
    const driverBefore = process.cpuUsage();
    const run = await drive(urls, params.concurrency, params.seconds);
    const driverCpu = process.cpuUsage(driverBefore);
    const storeAfter = await backend.stats();
    const cpuAfter = await Promise.all(servers.map(cpuMs));
    const calls = await Promise.all(servers.map((s) => s.ask({ type: 'storeCalls', reset: true }, 'storeCalls')));
    const total = run.logins.reduce((a, b) => a + b, 0);
    // The same loops doing GET /bare on every instance: CPU per bare request, the unit that carries across machines.
    const bareBefore = await Promise.all(servers.map(cpuMs));
    const bare = await bareRequests(urls, params.concurrency, Math.min(5, params.seconds));
    const bareAfter = await Promise.all(servers.map(cpuMs));
    const bareCpu = bareAfter.reduce((sum, after, k) => sum + after - bareBefore[k], 0) / bare;

    row(`logins/s, ${params.instances} instances together`, total / run.s, 'logins/s', {
      target: `reported (${params.instances} instances, ${params.concurrency} concurrent logins)`,
      met: total > 0,
    });
    run.logins.forEach((n, k) => row(`logins/s begun on instance ${k + 1}`, n / run.s, 'logins/s'));
    const appCpu = cpuAfter.reduce((sum, after, k) => sum + after - cpuBefore[k], 0);
    row('app CPU per login (all instances)', appCpu / total, 'ms');
    row('logins/s per app core (1000 / CPU ms per login)', (1000 * total) / appCpu, 'logins/s');
    row('app CPU per bare request (GET /bare, same instances, same loops)', bareCpu * 1000, 'µs');
    row(
      'login cost across the fleet (app CPU per login / per bare request)',
      appCpu / total / bareCpu,
      'bare requests',
    );
    row(
      'driver CPU share of the run (load generator on the same cores)',
      ((driverCpu.user + driverCpu.system) / 1000 / (run.s * 1000)) * 100,
      '% of a core',
    );
    const storeCalls = calls.reduce((sum, c) => sum + c.calls, 0);
    row(
      `store round trips per login (${store === 'postgres' ? 'statements' : 'commands'}, at the apps)`,
      storeCalls / total,
      'per login',
      {
        target: 'reported',
        met: true,
      },
    );
    if (storeAfter.commands !== undefined && storeBefore.commands !== undefined) {
      // A node counts a command once it ran: the first reading's INFO is in the second count, once per node.
      const served = storeAfter.commands - storeBefore.commands - storeAfter.perNode!.length;
      row('Redis commands processed per login (at the masters)', served / total, 'per login');
      row('Redis commands/s over the 3 masters', served / run.s, 'commands/s');
      row('Redis CPU per login (3 masters)', ((storeAfter.cpuS! - storeBefore.cpuS!) * 1e6) / total, 'µs');
      {
        const shares = storeAfter.perNode!.map((after, k) => after - storeBefore.perNode![k]);
        const busiest = Math.max(...shares) / (shares.reduce((a, b) => a + b, 0) / shares.length);
        row('busiest master / mean of the masters (commands)', busiest, 'ratio');
      }
    }
    if (storeAfter.connections !== undefined) {
      row(`PostgreSQL connections held by ${params.instances} instances`, storeAfter.connections, 'connections');
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/**
 * What one Redis process does on this machine: `redis-benchmark` (50
 * clients, no pipelining) of SET and GET on a plain redis-server, the
 * per-shard figure the plan divides by, measured beside the fleet's figures.
 */
async function shardRows(params: FleetParams, add: Add): Promise<void> {
  const redis = await startRedisServer();
  try {
    const csv = await run('redis-benchmark', [
      '-p',
      String(redis.port),
      '-t',
      'set,get',
      '-n',
      String(params.seconds >= 10 ? 100_000 : 20_000),
      '-c',
      '50',
      '--csv',
    ]);
    for (const line of csv.stdout.split('\n')) {
      const match = /^"(SET|GET)","([\d.]+)"/.exec(line);
      if (match) {
        add({
          section: 'fleet',
          store: 'redis',
          figure: `one Redis process: ${match[1]} ops/s (redis-benchmark, 50 clients, no pipelining)`,
          value: Number(match[2]),
          unit: 'ops/s',
        });
      }
    }
  } finally {
    await redis.stop();
  }
}

/**
 * The fleet figures on a Redis Cluster and on PostgreSQL. Every backend and
 * app child it starts is stopped before it returns, also when a step fails.
 */
export async function fleetRows(params: FleetParams, add: Add, adapter: ServerConfig['adapter'] = 'fastify') {
  await shardRows(params, add);
  for (const start of [redisClusterBackend, postgresBackend]) {
    const backend = await start();
    try {
      console.log(`\nfleet: ${params.instances} × ${adapter} over ${backend.label}`);
      await fleetOn(backend, params, add, adapter);
    } finally {
      await backend.stop();
    }
  }
}
