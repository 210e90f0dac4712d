import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QrLoginStore } from '../../lib';
import { postgresQrLoginNames } from '../../lib/stores/postgres';
import { startSampleApp } from '../support/sample-app';
import { openStoreFromEnv, storeLabel } from '../../sample/sample.store';
import { ADAPTERS } from '../app/test-app';
import { startPostgresServer, type PostgresServer } from '../support/postgres-server';

/*
 * The sample on PostgreSQL from `DATABASE_URL` alone, as `npm start` reads it:
 * an empty database gets its tables, and two instances sharing the URL (and
 * the JWT secret) complete one login between them, which no in-memory store
 * could.
 */

let server: PostgresServer;

beforeAll(async () => {
  server = await startPostgresServer();
}, 120_000);

afterAll(() => server?.stop());

async function json(
  base: string,
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: await response.json().catch(() => undefined), headers: response.headers };
}

async function rowsIn(table: string): Promise<number> {
  const client = new Client({ connectionString: server.url });
  await client.connect();
  try {
    return Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  } finally {
    await client.end();
  }
}

describe.each(ADAPTERS)('sample on PostgreSQL (DATABASE_URL) on %s', (adapter) => {
  const instances: Array<{ app: INestApplication; url: string; store: QrLoginStore }> = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const store = await openStoreFromEnv({ DATABASE_URL: server.url });
      expect(storeLabel(store)).toBe('PostgreSQL');
      const { app, url } = await startSampleApp({
        adapter,
        store,
        jwtSecret: 'one-secret-for-both-instances',
        numberMatching: false,
      });
      instances.push({ app, url, store: store! });
    }
  }, 60_000);

  afterAll(async () => {
    // The app closes the store it was given (the module's onModuleDestroy).
    for (const { app } of instances) await app.close();
  });

  it('creates a code on one instance, scans and confirms on the other, and the first logs the page in', async () => {
    const [web, phone] = instances.map((instance) => instance.url);
    const before = await rowsIn(postgresQrLoginNames().codes);

    const created = await json(web, 'POST', '/qr-login/qrcodes', { body: {} });
    expect(created.status).toBe(201);
    const { qrcodeId, creatorSecret } = created.body;
    expect(await rowsIn(postgresQrLoginNames().codes)).toBe(before + 1);

    // The phone signs in on its own lane (a phone app token), then scans and confirms.
    const alice = await json(phone, 'POST', '/auth/app/login', { body: { username: 'alice', password: 'wonderland' } });
    expect(alice.status).toBe(200);
    const bearer = { authorization: `Bearer ${alice.body.access_token}` };
    const scan = await json(phone, 'POST', `/qr-login/qrcodes/${qrcodeId}/scan`, { headers: bearer });
    expect(scan.status).toBe(200);
    expect(scan.body.status).toBe('SCANNED');
    const confirm = await json(phone, 'POST', `/qr-login/qrcodes/${qrcodeId}/confirm`, { headers: bearer });
    expect(confirm.status).toBe(200);
    expect(confirm.body.status).toBe('AUTHORIZED');

    const proof = { 'x-qr-login-secret': creatorSecret };
    const status = await json(web, 'GET', `/qr-login/qrcodes/${qrcodeId}`, { headers: proof });
    expect(status.body).toMatchObject({ status: 'AUTHORIZED', ticket: expect.any(String) });
    const login = await json(web, 'POST', '/qr-login/login', { body: { ticket: status.body.ticket }, headers: proof });
    expect(login.status).toBe(200);
    expect(login.body.user).toEqual({ id: 'u-alice', username: 'alice', displayName: 'Alice Liddell' });
    const me = await json(phone, 'GET', '/auth/me', {
      headers: { authorization: `Bearer ${login.body.access_token}` },
    });
    expect(me.body).toEqual({ id: 'u-alice', username: 'alice', displayName: 'Alice Liddell' });

    // The ticket works once, whichever instance it is shown to.
    const again = await json(phone, 'POST', '/qr-login/login', {
      body: { ticket: status.body.ticket },
      headers: proof,
    });
    expect(again.status).toBe(401);
  }, 30_000);
});
