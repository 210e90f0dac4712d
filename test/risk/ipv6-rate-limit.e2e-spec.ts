import { Module, type INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QrLoginModule } from '../../lib';
import { ADAPTERS, fixtureOptions } from '../app/test-app';
import { request } from '../support/http';
import { startWhoAmIApp } from './trust-proxy.app';

// A window far longer than the test, so no reset can fall inside it.
@Module({ imports: [QrLoginModule.forRoot(fixtureOptions({ rateLimit: { create: { limit: 2, window: 3600 } } }))] })
class LimitedModule {}

describe.each(ADAPTERS)('per-client limits behind a trusted proxy on %s', (adapter) => {
  let server: { app: INestApplication; url: string };
  beforeAll(async () => {
    server = await startWhoAmIApp(adapter, true, LimitedModule);
  });
  afterAll(() => server?.app.close());

  const create = (from: string) =>
    request(`${server.url}/qr-login/qrcodes`, { method: 'POST', json: {}, headers: { 'x-forwarded-for': from } });

  it('counts every address of one IPv6 /64 as one client', async () => {
    expect((await create('2001:db8:aa:1::1')).status).toBe(201);
    expect((await create('2001:db8:aa:1:ffff:1:2:3')).status).toBe(201);
    const third = await create('2001:db8:aa:1:dead:beef:0:1');
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ code: 'QR_RATE_LIMITED' });
    // The next /64 is another client.
    expect((await create('2001:db8:aa:2::1')).status).toBe(201);
  });

  it('counts IPv4 clients per address, IPv4-mapped or not', async () => {
    expect((await create('198.51.100.1')).status).toBe(201);
    expect((await create('::ffff:198.51.100.1')).status).toBe(201);
    expect((await create('198.51.100.1')).status).toBe(429);
    expect((await create('198.51.100.2')).status).toBe(201);
  });
});
