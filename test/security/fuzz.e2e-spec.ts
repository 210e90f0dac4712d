import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryQrLoginStore } from '../../lib';
import type { QrCodeRecord } from '../../lib/plugin';
import { ADAPTERS, createTestApp } from '../app/test-app';
import { asUser, creatorHeader, nativeClient } from '../support/http';

/**
 * Property: whatever arrives (method, path, id, body, headers, content type),
 * the answer is below 500, the app keeps serving, and codes the fuzzer never
 * saw keep exactly their state. `QR_FUZZ_RUNS` sets the request count
 * (`npm run test:fuzz` sends 10 000 per adapter); `npm test` sends a few hundred.
 */
const RUNS = Number(process.env.QR_FUZZ_RUNS ?? 300);

const ROUTES = [
  '/qr-login/qrcodes',
  '/qr-login/qrcodes/:id',
  '/qr-login/qrcodes/:id/events',
  '/qr-login/qrcodes/:id/scan',
  '/qr-login/qrcodes/:id/confirm',
  '/qr-login/qrcodes/:id/cancel',
  '/qr-login/login',
  '/app/qr-session',
];

describe.each(ADAPTERS)('fuzzing every route on %s', (adapter) => {
  let app: Awaited<ReturnType<typeof createTestApp>>['app'];
  let base: string;
  const store = new MemoryQrLoginStore();
  const fuzzIds: string[] = [];
  const fuzzTickets: string[] = [];
  const controls = new Map<string, QrCodeRecord>();

  beforeAll(async () => {
    const started = await createTestApp({ adapter, store, options: { sseHeartbeatInterval: 0.05 } });
    app = started.app;
    base = started.url;
    const api = nativeClient(base);
    // Codes in each state: some the fuzzer may target, some it never learns of.
    for (let i = 0; i < 6; i++) {
      const created = await api.create({ customData: { i } });
      const id = created.body.qrcodeId;
      if (i % 3 >= 1) await api.act(id, 'scan', asUser('alice'));
      if (i % 3 === 2) {
        await api.act(id, 'confirm', asUser('alice'));
        const ticket = (await api.status(id, creatorHeader(created))).body.ticket;
        if (i < 3) fuzzTickets.push(ticket);
      }
      if (i < 3) fuzzIds.push(id);
      else controls.set(id, (await store.get(id))!);
    }
  });
  afterAll(() => app.close());

  it(`answers ${RUNS} random requests without a 5xx, and leaves other codes alone`, async () => {
    const id = fc.oneof(
      fc.constantFrom(...fuzzIds),
      fc.string({ maxLength: 40 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{27}$/),
      fc.constantFrom('%00', '..%2F', '%ZZ', '%E2%80%AE', 'a'.repeat(3000), '', '.', '-'),
    );
    const json = fc.oneof(
      fc.json({ maxDepth: 4 }),
      fc
        .record(
          {
            type: fc.oneof(fc.constantFrom('MOBILE_APP', 'WECHAT_MINIPROGRAM', 'X'), fc.anything()),
            customData: fc.anything({ maxDepth: 12 }),
            context: fc.anything({ maxDepth: 3 }),
            ticket: fc.oneof(fc.constantFrom(...fuzzTickets), fc.string(), fc.anything()),
            matchCode: fc.anything(),
          },
          { requiredKeys: [] },
        )
        .map((v) => {
          try {
            return JSON.stringify(v);
          } catch {
            return '{}';
          }
        }),
      fc.string({ maxLength: 200 }),
      fc.constant('{"customData":' + '['.repeat(500) + ']'.repeat(500) + '}'),
    );
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
      route: fc.constantFrom(...ROUTES),
      id,
      body: fc.option(json, { nil: undefined }),
      contentType: fc.constantFrom(
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
        'multipart/form-data; boundary=x',
        '',
      ),
      authorization: fc.constantFrom(
        undefined,
        'Bearer token-alice',
        'Bearer token-bob',
        'Bearer ',
        'token-alice',
        'Basic Og==',
        'Bearer ' + 'x'.repeat(5000),
      ),
      secret: fc.option(fc.string({ maxLength: 60 }), { nil: undefined }),
      cookie: fc.option(fc.string({ maxLength: 120 }), { nil: undefined }),
    });
    let sent = 0;
    const served: number[] = [];
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const path = r.route.replace(':id', encodeURI(r.id).replace(/\?|#/g, ''));
        const headers: Record<string, string> = {};
        if (r.contentType) headers['content-type'] = r.contentType;
        if (r.authorization !== undefined) headers.authorization = r.authorization;
        if (r.secret !== undefined) headers['x-qr-login-secret'] = r.secret.replace(/[^\x20-\x7e]/g, '');
        if (r.cookie !== undefined) headers.cookie = r.cookie.replace(/[^\x20-\x7e]/g, '');
        const abort = new AbortController();
        // Event streams stay open by design: read the head, then leave.
        const timer = setTimeout(() => abort.abort(), 300);
        try {
          const response = await fetch(`${base}${path}`, {
            method: r.method,
            headers,
            body: r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body,
            signal: abort.signal,
          });
          sent++;
          served.push(response.status);
          if (response.status >= 500) {
            throw new Error(`${r.method} ${path} answered ${response.status}: ${await response.text()}`);
          }
          if (!response.headers.get('content-type')?.startsWith('text/event-stream')) await response.text();
          else abort.abort();
        } catch (error) {
          if ((error as Error).name !== 'AbortError') throw error;
        } finally {
          clearTimeout(timer);
        }
      }),
      { numRuns: RUNS, seed: process.env.QR_FUZZ_SEED ? Number(process.env.QR_FUZZ_SEED) : undefined },
    );
    expect(sent).toBeGreaterThan(RUNS * 0.9);
    expect(served.every((s) => s < 500)).toBe(true);
    // Still serving, and the codes the fuzzer never learned of are exactly as they were.
    expect((await nativeClient(base).create()).status).toBe(201);
    for (const [codeId, before] of controls) expect(await store.get(codeId)).toEqual(before);
  }, 600_000);
});
