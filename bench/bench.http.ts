import autocannon from 'autocannon';
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { BENCH_TOKENS } from './bench.protocol';

/** req/s and latency of one autocannon run. */
export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** A bounded autocannon run (fixed duration) against one route. */
export async function load(
  url: string,
  options: { connections: number; duration: number; method?: string; body?: string },
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.duration,
    method: (options.method ?? 'GET') as 'GET',
    body: options.body,
    headers: options.body ? { 'content-type': 'application/json' } : undefined,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** One JSON request on a keep-alive agent; rejects on a non-2xx answer. */
export function call(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<any> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = httpRequest(
      `${base}${path}`,
      {
        method,
        agent,
        headers: {
          ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if ((res.statusCode ?? 0) >= 300)
            return reject(new Error(`${method} ${path} answered ${res.statusCode}: ${text}`));
          resolve(text ? JSON.parse(text) : undefined);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const alice = { authorization: `Bearer ${BENCH_TOKENS.alice}` };

/** One whole login: create → scan → confirm → status (ticket) → exchange. Five requests. */
export async function wholeLogin(base: string): Promise<void> {
  const created = await call(base, 'POST', '/qr-login/qrcodes', { body: {} });
  const secret = { 'x-qr-login-secret': created.creatorSecret };
  await call(base, 'POST', `/qr-login/qrcodes/${created.qrcodeId}/scan`, { headers: alice });
  await call(base, 'POST', `/qr-login/qrcodes/${created.qrcodeId}/confirm`, { headers: alice });
  const status = await call(base, 'GET', `/qr-login/qrcodes/${created.qrcodeId}`, { headers: secret });
  await call(base, 'POST', '/qr-login/login', { body: { ticket: status.ticket }, headers: secret });
}

/** Runs `task` from `concurrency` loops for `seconds`; returns completed tasks per second. */
export async function throughput(task: () => Promise<void>, concurrency: number, seconds: number): Promise<number> {
  const until = Date.now() + seconds * 1000;
  let done = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        await task();
        done++;
      }
    }),
  );
  return done / ((Date.now() - started) / 1000);
}

const FIRST_EVENT_TIMEOUT_MS = 30_000;

/** An open event stream on its own socket, with the arrival time of each status. */
export interface HeldStream {
  statuses: Array<{ status: string; at: number }>;
  waitFor(status: string, timeoutMs?: number): Promise<number>;
  close(): void;
}

/** Opens an SSE stream with a plain socket (no pool), resolving at the first event. */
export function holdStream(
  base: string,
  qrcodeId: string,
  headers: Record<string, string> = {},
  path?: string,
  localAddress?: string,
): Promise<HeldStream> {
  return new Promise((resolve, reject) => {
    const statuses: HeldStream['statuses'] = [];
    const waiters: Array<() => void> = [];
    let buffer = '';
    const req = httpRequest(`${base}${path ?? `/qr-login/qrcodes/${qrcodeId}/events`}`, {
      agent: false,
      localAddress,
      headers: { accept: 'text/event-stream', ...headers },
    });
    const stream: HeldStream = {
      statuses,
      waitFor(status, timeoutMs = 10_000) {
        return new Promise((done, fail) => {
          const timer = setTimeout(() => fail(new Error(`no ${status} event within ${timeoutMs} ms`)), timeoutMs);
          const check = () => {
            const hit = statuses.find((s) => s.status === status);
            if (!hit) return false;
            clearTimeout(timer);
            done(hit.at);
            return true;
          };
          // Every event wakes every waiter once; one still waiting for its status waits for the next event.
          const wait = () => {
            if (!check()) waiters.push(wait);
          };
          wait();
        });
      },
      close: () => req.destroy(),
    };
    // Bounded like every wait of the benchmark: a stream that sends nothing fails the run instead of hanging it.
    const firstEventTimer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no first event from ${path ?? qrcodeId} within ${FIRST_EVENT_TIMEOUT_MS} ms`));
    }, FIRST_EVENT_TIMEOUT_MS);
    req.on('response', (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        clearTimeout(firstEventTimer);
        return reject(new Error(`the event stream answered ${res.statusCode}`));
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = performance.now();
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = block.split('\n').find((line) => line.startsWith('data:'));
          if (!data) continue;
          statuses.push({ status: JSON.parse(data.slice(5)).status, at });
          if (statuses.length === 1) {
            clearTimeout(firstEventTimer);
            resolve(stream);
          }
          for (const waiter of waiters.splice(0)) waiter();
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', (error) => {
      clearTimeout(firstEventTimer);
      if (statuses.length === 0) reject(error);
    });
    req.end();
  });
}

/** p-quantile of a list of numbers (nearest rank). */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
