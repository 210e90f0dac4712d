import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { ensurePostgresQrLoginSchema } from '../lib/stores/postgres';
import { startPostgresServer, type PostgresServer } from '../test/support/postgres-server';
import { startRedisServer, type RedisServer } from '../test/support/redis-server';
import { startServer, type ServerChild } from './bench.child';
import { alice, call, holdStream, load, quantile, throughput, wholeLogin, type HeldStream } from './bench.http';
import type { ServerConfig } from './bench.protocol';

/*
 * `npm run bench`: the figures of BENCHMARKS.md. Every figure of the module
 * is set beside a bare JSON route of the same app, measured in the same run,
 * so ratios carry from machine to machine where absolute numbers do not.
 * Every loop is bounded by a count or a duration; servers run on loopback
 * and are stopped at the end. `--quick` is the smoke run CI keeps alive.
 */

const quick = process.argv.includes('--quick');
const jsonPath = process.argv.find((a) => a.startsWith('--json='))?.slice(7) ?? join(__dirname, '..', '..', '..', 'bench', 'results', quick ? 'quick.json' : 'latest.json');

const P = quick
  ? { duration: 0.3, connections: 8, loginConcurrency: 4, streams: 50, latencySamples: 10, leakCodes: 500, renders: 10 }
  : { duration: 6, connections: 64, loginConcurrency: 16, streams: 10_000, latencySamples: 200, leakCodes: 100_000, renders: 300 };

interface Row {
  section: string;
  adapter?: string;
  store?: string;
  figure: string;
  value: number;
  unit: string;
  /** The same figure of the bare route, where the row is a comparison. */
  bare?: number;
  ratio?: number;
  target?: string;
  met?: boolean;
}

const rows: Row[] = [];
const add = (row: Row) => {
  rows.push(row);
  const target = row.target ? `  target ${row.target}: ${row.met ? 'met' : 'NOT met'}` : '';
  const vs = row.bare !== undefined ? `  (bare ${fmt(row.bare)}, ratio ${fmt(row.ratio!)})` : '';
  console.log(`  ${[row.section, row.adapter, row.store].filter(Boolean).join(' / ')}: ${row.figure} = ${fmt(row.value)} ${row.unit}${vs}${target}`);
};
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n >= 100 ? n.toFixed(0) : n.toFixed(2));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pollRows(server: ServerChild, adapter: string, store: string): Promise<void> {
  const { qrcodeId } = await call(server.url, 'POST', '/qr-login/qrcodes', { body: {} });
  const opts = { connections: P.connections, duration: P.duration };
  // Warm both paths (JIT, connection pools) before measuring either.
  await load(`${server.url}/bare`, { ...opts, duration: Math.min(1, P.duration) });
  await load(`${server.url}/qr-login/qrcodes/${qrcodeId}`, { ...opts, duration: Math.min(1, P.duration) });
  const bare = await load(`${server.url}/bare`, opts);
  const shaped = await load(`${server.url}/bare/shaped/${qrcodeId}`, opts);
  const status = await load(`${server.url}/qr-login/qrcodes/${qrcodeId}`, opts);
  if (status.non2xx || status.errors) throw new Error(`status polling failed: ${status.non2xx} non-2xx, ${status.errors} errors`);
  const ratio = status.rps / bare.rps;
  const floor = store === 'memory' ? 0.85 : 0.6;
  add({ section: 'status poll', adapter, store, figure: 'req/s', value: status.rps, unit: 'req/s', bare: bare.rps, ratio, target: `>= ${floor * 100}% of bare`, met: ratio >= floor });
  add({ section: 'status poll', adapter, store, figure: 'p99 latency', value: status.p99, unit: 'ms', bare: bare.p99, ratio: status.p99 / Math.max(bare.p99, 0.001) });
  // The same comparison against a route of the poll's shape that does no work: the module's own share.
  add({ section: 'status poll', adapter, store, figure: 'req/s vs a same-shaped bare route', value: status.rps, unit: 'req/s', bare: shaped.rps, ratio: status.rps / shaped.rps });
  const create = await load(`${server.url}/qr-login/qrcodes`, { ...opts, method: 'POST', body: '{}' });
  add({ section: 'create', adapter, store, figure: 'req/s', value: create.rps, unit: 'req/s', bare: bare.rps, ratio: create.rps / bare.rps });
}

async function loginRows(server: ServerChild, adapter: string, store: string): Promise<void> {
  await throughput(() => wholeLogin(server.url), P.loginConcurrency, Math.min(1, P.duration));
  const bare = await throughput(() => call(server.url, 'GET', '/bare'), P.loginConcurrency, P.duration);
  const logins = await throughput(() => wholeLogin(server.url), P.loginConcurrency, P.duration);
  const cost = bare / logins;
  add({ section: 'whole login', adapter, store, figure: 'logins/s', value: logins, unit: 'logins/s', bare, ratio: logins / bare });
  add({ section: 'whole login', adapter, store, figure: 'cost', value: cost, unit: 'bare requests', target: '<= 5 bare requests', met: cost <= 5 });
}

async function openStreams(server: ServerChild, count: number): Promise<{ streams: HeldStream[]; ids: string[]; secrets: string[] }> {
  const ids: string[] = [];
  const secrets: string[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, count - i) }, () => call(server.url, 'POST', '/qr-login/qrcodes', { body: {} })));
    for (const created of batch) {
      ids.push(created.qrcodeId);
      secrets.push(created.creatorSecret);
    }
  }
  return { streams: [], ids, secrets };
}

async function latency(confirmOn: ServerChild, streamOn: ServerChild, samples: number): Promise<number[]> {
  const { ids, secrets } = await openStreams(streamOn, samples);
  const delays: number[] = [];
  for (let i = 0; i < samples; i++) {
    const stream = await holdStream(streamOn.url, ids[i], { 'x-qr-login-secret': secrets[i] });
    await call(confirmOn.url, 'POST', `/qr-login/qrcodes/${ids[i]}/scan`, { headers: alice });
    await stream.waitFor('SCANNED');
    await call(confirmOn.url, 'POST', `/qr-login/qrcodes/${ids[i]}/confirm`, { headers: alice });
    const returned = performance.now();
    const arrived = await stream.waitFor('AUTHORIZED');
    // An event that beat the confirm's answer to the client counts as no delay.
    delays.push(Math.max(0, arrived - returned));
    stream.close();
  }
  return delays;
}

/** Memory per idle stream: the bare platform stream when `bare`, else the module's, each after GC. */
async function perStream(server: ServerChild, ids: string[], bare: boolean): Promise<{ rss: number; heap: number; streams: HeldStream[] }> {
  const before = await server.ask({ type: 'memory', gc: true }, 'memory');
  const streams: HeldStream[] = [];
  for (let i = 0; i < ids.length; i += 200) {
    streams.push(...(await Promise.all(ids.slice(i, i + 200).map((id) => holdStream(server.url, id, {}, bare ? '/bare/events' : undefined)))));
  }
  await sleep(500);
  const after = await server.ask({ type: 'memory', gc: true }, 'memory');
  return { rss: (after.rss - before.rss) / ids.length / 1024, heap: (after.heapUsed - before.heapUsed) / ids.length / 1024, streams };
}

/** `shared`: how to start a second instance on the same store, for the rows across two instances. */
async function sseRows(server: ServerChild, adapter: string, store: string, shared?: ServerConfig): Promise<void> {
  const { ids } = await openStreams(server, P.streams);
  const bare = await perStream(server, ids, true);
  for (const stream of bare.streams) stream.close();
  await sleep(1_000);
  const { rss: rssPer, heap: heapPer, streams } = await perStream(server, ids, false);
  const stats = await server.ask({ type: 'stats' }, 'stats');
  if (stats.activeWatches < P.streams) throw new Error(`only ${stats.activeWatches} of ${P.streams} streams are open on the server`);
  add({ section: 'SSE idle streams', adapter, store, figure: `RSS per stream (${P.streams} open)`, value: rssPer, unit: 'KB', bare: bare.rss, ratio: rssPer / bare.rss, target: '<= 8 KB', met: rssPer <= 8 });
  add({ section: 'SSE idle streams', adapter, store, figure: `heap per stream (${P.streams} open)`, value: heapPer, unit: 'KB', bare: bare.heap, ratio: heapPer / bare.heap });

  const local = await latency(server, server, P.latencySamples);
  const p99Target = 10;
  add({ section: 'confirm → event', adapter, store, figure: 'p50 in-process', value: quantile(local, 0.5), unit: 'ms' });
  add({ section: 'confirm → event', adapter, store, figure: 'p99 in-process', value: quantile(local, 0.99), unit: 'ms', target: `<= ${p99Target} ms`, met: quantile(local, 0.99) <= p99Target });

  if (shared) {
    const other = await startServer(shared);
    try {
      const across = await latency(other, server, P.latencySamples);
      add({ section: 'confirm → event', adapter, store, figure: 'p50 across two instances', value: quantile(across, 0.5), unit: 'ms' });
      add({ section: 'confirm → event', adapter, store, figure: 'p99 across two instances', value: quantile(across, 0.99), unit: 'ms', target: '<= 25 ms', met: quantile(across, 0.99) <= 25 });
    } finally {
      await other.stop();
    }
  }

  for (const stream of streams) stream.close();
  const deadline = Date.now() + 30_000;
  let open = Infinity;
  while (Date.now() < deadline && open > 0) {
    open = (await server.ask({ type: 'stats' }, 'stats')).activeWatches;
    if (open > 0) await sleep(200);
  }
  add({ section: 'SSE idle streams', adapter, store, figure: 'subscriptions left after closing', value: open, unit: '', target: '0', met: open === 0 });
}

async function leakRows(config: ServerConfig): Promise<void> {
  const { adapter, store } = config;
  const server = await startServer({ ...config, qrCodeTtl: 1 });
  try {
    const leak = await server.ask({ type: 'leak', count: P.leakCodes }, 'leak');
    const growth = leak.afterHeap / leak.baselineHeap - 1;
    add({ section: 'leak check', adapter, store, figure: `heap after ${P.leakCodes} codes expired (peak ${(leak.peakHeap / 2 ** 20).toFixed(1)} MB)`, value: leak.afterHeap / 2 ** 20, unit: 'MB', bare: leak.baselineHeap / 2 ** 20, ratio: 1 + growth, target: 'within 5% of baseline', met: Math.abs(growth) <= 0.05 });
    if (leak.storeSize !== undefined) {
      add({ section: 'leak check', adapter, store, figure: 'entries + timers left in the memory store', value: leak.storeSize + (leak.storeTimers ?? 0) + leak.expiryChecks, unit: '', target: '0', met: leak.storeSize + (leak.storeTimers ?? 0) + leak.expiryChecks === 0 });
    }
  } finally {
    await server.stop();
  }
}

/**
 * Rendering cost in the server process, and its share of a create request
 * (a server process is one thread: at `rps` creates per second one create
 * takes 1000 / rps ms of it). Each code's payload is unique, so a cache keyed
 * by payload would never hit; the share says how much a faster renderer or a
 * lazily rendered image could gain.
 */
async function renderRows(server: ServerChild, adapter: string, store: string, createRps: number): Promise<void> {
  for (const format of ['svg', 'png'] as const) {
    const { perCodeMs } = await server.ask({ type: 'render', count: P.renders, format }, 'render');
    add({ section: 'QR image', adapter, store, figure: `${format.toUpperCase()} render per code`, value: perCodeMs, unit: 'ms' });
    if (format === 'svg') {
      add({ section: 'QR image', adapter, store, figure: 'SVG render share of a create request', value: (perCodeMs * createRps) / 10, unit: '%' });
    }
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`nestjs-qr-login benchmark${quick ? ' (quick smoke run)' : ''}: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
  let redis: RedisServer | undefined;
  try {
    redis = await startRedisServer();
  } catch (error) {
    throw new Error(`The Redis rows need redis-server: ${(error as Error).message}`);
  }
  let postgres: PostgresServer | undefined;
  try {
    postgres = await startPostgresServer();
    const pool = new Pool({ connectionString: postgres.url, max: 1 });
    await ensurePostgresQrLoginSchema(pool).finally(() => pool.end());
  } catch (error) {
    await redis.stop();
    await postgres?.stop();
    throw new Error(`The Postgres rows need PostgreSQL: ${(error as Error).message}`);
  }
  try {
    for (const adapter of ['express', 'fastify'] as const) {
      for (const store of ['memory', 'redis', 'postgres'] as const) {
        console.log(`\n${adapter} + ${store} store`);
        const config: ServerConfig = { adapter, store, redisUrl: redis.url, postgresUrl: postgres.url };
        const server = await startServer(config);
        try {
          await pollRows(server, adapter, store);
          await renderRows(server, adapter, store, rows.find((r) => r.section === 'create' && r.adapter === adapter && r.store === store)!.value);
          await loginRows(server, adapter, store);
          await sseRows(server, adapter, store, store === 'memory' ? undefined : config);
        } finally {
          await server.stop();
        }
        await leakRows(config);
      }
    }
  } finally {
    await redis.stop();
    await postgres.stop();
  }
  const report = {
    quick,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    parameters: P,
    seconds: Math.round((Date.now() - started) / 1000),
    rows,
  };
  mkdirSync(join(jsonPath, '..'), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(report, null, 2));
  printTable();
  console.log(`\n${rows.length} figures in ${report.seconds} s; JSON written to ${jsonPath}`);
}

function printTable(): void {
  const header = ['section', 'adapter', 'store', 'figure', 'value', 'bare', 'ratio', 'target', 'met'];
  const body = rows.map((r) => [
    r.section,
    r.adapter ?? '',
    r.store ?? '',
    r.figure,
    `${fmt(r.value)} ${r.unit}`.trim(),
    r.bare === undefined ? '' : fmt(r.bare),
    r.ratio === undefined ? '' : fmt(r.ratio),
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${line(header)}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const b of body) console.log(line(b));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
