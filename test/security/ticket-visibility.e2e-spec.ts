import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp } from '../app/test-app';
import { asUser, request } from '../support/http';
import { openSse } from '../support/sse';

/**
 * Every route that reports a status, native and GenAuth-compatible with the
 * creator binding on: a reader without the creator's cookie or secret never
 * receives the ticket of an AUTHORIZED code; the creator does.
 */
describe.each(ADAPTERS)('ticket visibility on every status route (%s)', (adapter) => {
  let app: Awaited<ReturnType<typeof createTestApp>>['app'];
  let base: string;

  beforeAll(async () => {
    ({ app, url: base } = await createTestApp({
      adapter,
      genauth: { v3: true, v2: true, bindToCreator: true },
      options: {
        issueTokenSet: (user: any) => ({ access_token: `session-for-${user.id}`, expires_in: 60 }),
      },
    }));
  });
  afterAll(() => app.close());

  /** An AUTHORIZED code created through `create`, with the creator's cookie. */
  async function authorizedCode(create: () => Promise<{ id: string; cookie: string }>) {
    const { id, cookie } = await create();
    expect((await request(`${base}/qr-login/qrcodes/${id}/scan`, { method: 'POST', headers: asUser('alice') })).status).toBe(200);
    expect((await request(`${base}/qr-login/qrcodes/${id}/confirm`, { method: 'POST', headers: asUser('alice') })).status).toBe(200);
    return { id, cookie };
  }

  const cookieOf = (headers: Headers) => (headers.get('set-cookie') ?? '').split(';')[0];

  const creators = {
    native: async () => {
      const created = await request(`${base}/qr-login/qrcodes`, { method: 'POST', json: {} });
      return { id: created.body.qrcodeId as string, cookie: cookieOf(created.headers) };
    },
    v3: async () => {
      const created = await request(`${base}/api/v3/gene-qrcode`, { method: 'POST', json: { type: 'MOBILE_APP' } });
      return { id: created.body.data.qrcodeId as string, cookie: cookieOf(created.headers) };
    },
    v2: async () => {
      const created = await request(`${base}/api/v2/qrcode/gene`, { method: 'POST', json: { scene: 'APP_AUTH' } });
      return { id: created.body.data.random as string, cookie: cookieOf(created.headers) };
    },
  };

  const readers: Array<[string, keyof typeof creators, (id: string, headers: Record<string, string>) => Promise<unknown>]> = [
    ['native status', 'native', async (id, headers) => (await request(`${base}/qr-login/qrcodes/${id}`, { headers })).body],
    [
      'native event stream',
      'native',
      async (id, headers) => {
        const sse = await openSse(`${base}/qr-login/qrcodes/${id}/events`, headers);
        await sse.ended;
        return JSON.parse(sse.events[0].data);
      },
    ],
    ['V3 check-qrcode-status', 'v3', async (id, headers) => (await request(`${base}/api/v3/check-qrcode-status?qrcodeId=${id}`, { headers })).body.data],
    ['V3 get-qrcode-status', 'v3', async (id, headers) => (await request(`${base}/api/v3/get-qrcode-status?qrcodeId=${id}`, { headers })).body.data],
    ['V2 qrcode/check', 'v2', async (id, headers) => (await request(`${base}/api/v2/qrcode/check?random=${id}`, { headers })).body.data],
  ];

  it.each(readers)('%s: no ticket without the creator proof, the ticket with it', async (_name, kind, read) => {
    const { id, cookie } = await authorizedCode(creators[kind]);
    expect(cookie).toMatch(/^qr_login_secret_/);
    const anonymous = (await read(id, {})) as Record<string, unknown>;
    expect(anonymous).toBeTruthy();
    expect(JSON.stringify(anonymous)).not.toMatch(/ticket"\s*:\s*"[^"]/);
    const forged = (await read(id, { 'x-qr-login-secret': 'A'.repeat(43) })) as Record<string, unknown>;
    expect(JSON.stringify(forged)).not.toMatch(/ticket"\s*:\s*"[^"]/);
    const creator = (await read(id, { cookie })) as Record<string, unknown>;
    expect(creator.ticket).toEqual(expect.stringMatching(/^[\w-]{27}\.[\w-]{43}$/));
  });
});
