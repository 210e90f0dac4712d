import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSampleApp } from '../support/sample-app';
import { request } from '../support/http';

/** The value of the Prometheus sample `name{labels…}` whose labels include `labels`, summed; 0 when absent. */
function sampleValue(text: string, name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const [, series, value] of text.matchAll(/^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/gm)) {
    const open = series.indexOf('{');
    if ((open === -1 ? series : series.slice(0, open)) !== name) continue;
    const present = open === -1 ? '' : series.slice(open);
    if (Object.entries(labels).every(([key, wanted]) => present.includes(`${key}="${wanted}"`))) total += Number(value);
  }
  return total;
}

/** The sample's `/metrics` (Prometheus, from the telemetry module) and `/health` (Terminus) after a real login. */
describe.each(['express', 'fastify'] as const)('the sample app serves /metrics and /health on %s', (adapter) => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startSampleApp({ adapter }));
  });
  afterAll(() => app?.close());

  const scrape = async () => {
    const reply = await fetch(`${url}/metrics`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain/);
    return reply.text();
  };

  it('counts a whole login, and a refusal by its code, in what Prometheus scrapes', async () => {
    const before = await scrape();
    const created = await request(`${url}/qr-login/qrcodes`, { method: 'POST', json: {} });
    expect(created.status).toBe(201);
    const { qrcodeId, creatorSecret, matchCode } = created.body;
    const proof = { 'x-qr-login-secret': creatorSecret };
    const phone = await request(`${url}/auth/app/login`, { json: { username: 'alice', password: 'wonderland' } });
    const alice = { authorization: `Bearer ${phone.body.access_token}` };
    expect((await request(`${url}/qr-login/qrcodes/${qrcodeId}/scan`, { method: 'POST', headers: alice })).status).toBe(
      200,
    );
    // Without the number the page shows: refused, and counted under its code.
    const unmatched = await request(`${url}/qr-login/qrcodes/${qrcodeId}/confirm`, { method: 'POST', headers: alice });
    expect(unmatched.body.code).toBe('QR_MATCH_REQUIRED');
    const confirm = await request(`${url}/qr-login/qrcodes/${qrcodeId}/confirm`, {
      method: 'POST',
      headers: alice,
      json: { matchCode },
    });
    expect(confirm.status).toBe(200);
    const ticket = (await request(`${url}/qr-login/qrcodes/${qrcodeId}`, { headers: proof })).body.ticket;
    const login = await request(`${url}/qr-login/login`, { method: 'POST', json: { ticket }, headers: proof });
    expect(login.status).toBe(200);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    const qr = { qr_login_flow: 'qr', qr_login_store: 'memory' };
    expect(delta('qr_login_codes_created_total', qr)).toBe(1);
    for (const transition of ['scanned', 'authorized', 'redeemed'])
      expect(delta('qr_login_transitions_total', { ...qr, qr_login_transition: transition }), transition).toBe(1);
    expect(
      delta('qr_login_refusals_total', { ...qr, qr_login_action: 'CONFIRM', error_type: 'QR_MATCH_REQUIRED' }),
    ).toBe(1);
    // The exporter keeps the instrument's name (`unit: 's'` is in `# UNIT`): no `_seconds` suffix.
    expect(delta('qr_login_approval_duration_count', qr)).toBe(1);
    expect(after).toMatch(/^# UNIT qr_login_approval_duration s$/m);
    expect(after).toMatch(/^qr_login_streams_open\{[^}]*qr_login_store="memory"[^}]*\} \d+/m);
    // Nothing of the code or its secrets is in what any scraper reads.
    for (const secret of [qrcodeId, creatorSecret, ticket, phone.body.access_token, login.body.access_token])
      expect(after).not.toContain(secret);
  });

  it('answers /health with the store up', async () => {
    const health = await request(`${url}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', info: { qr_login_store: { status: 'up', store: 'memory' } } });
  });
});
