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
    expect(
      (await request(`${base}/qr-login/qrcodes/${id}/scan`, { method: 'POST', headers: asUser('alice') })).status,
    ).toBe(200);
    expect(
      (await request(`${base}/qr-login/qrcodes/${id}/confirm`, { method: 'POST', headers: asUser('alice') })).status,
    ).toBe(200);
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

  const readers: Array<
    [string, keyof typeof creators, (id: string, headers: Record<string, string>) => Promise<unknown>]
  > = [
    [
      'native status',
      'native',
      async (id, headers) => (await request(`${base}/qr-login/qrcodes/${id}`, { headers })).body,
    ],
    [
      'native event stream',
      'native',
      async (id, headers) => {
        const sse = await openSse(`${base}/qr-login/qrcodes/${id}/events`, headers);
        await sse.ended;
        return JSON.parse(sse.events[0].data);
      },
    ],
    [
      'V3 check-qrcode-status',
      'v3',
      async (id, headers) =>
        (await request(`${base}/api/v3/check-qrcode-status?qrcodeId=${id}`, { headers })).body.data,
    ],
    [
      'V3 get-qrcode-status',
      'v3',
      async (id, headers) => (await request(`${base}/api/v3/get-qrcode-status?qrcodeId=${id}`, { headers })).body.data,
    ],
    [
      'V2 qrcode/check',
      'v2',
      async (id, headers) => (await request(`${base}/api/v2/qrcode/check?random=${id}`, { headers })).body.data,
    ],
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

/**
 * The attack of an unbound GenAuth plugin (its default, as the sample once
 * mounted it): a native code is created with the creator's cookie, and a
 * stranger who saw the QR (it holds the id) reads it and spends its ticket
 * through every route family. The native code's own binding must hold on all
 * of them: no ticket, no scanner and no match number reach the stranger, and
 * a stolen ticket is refused everywhere while the creator's login still works.
 */
describe.each(ADAPTERS)('a native code read and redeemed by a stranger through every route family (%s)', (adapter) => {
  let app: Awaited<ReturnType<typeof createTestApp>>['app'];
  let base: string;

  beforeAll(async () => {
    ({ app, url: base } = await createTestApp({
      adapter,
      genauth: { v3: true, v2: true },
      options: {
        numberMatching: true,
        issueTokenSet: (user: any) => ({ access_token: `session-for-${user.id}`, expires_in: 60 }),
      },
    }));
  });
  afterAll(() => app.close());

  const firstEvent = async (id: string, headers: Record<string, string>) => {
    const sse = await openSse(`${base}/qr-login/qrcodes/${id}/events`, headers);
    const [event] = await sse.waitForEvents(1);
    sse.close();
    return JSON.parse(event.data);
  };

  /** Every route family that reports a status, as the stranger calls it. */
  const readers: Array<[string, (id: string, headers: Record<string, string>) => Promise<unknown>]> = [
    ['native poll', async (id, headers) => (await request(`${base}/qr-login/qrcodes/${id}`, { headers })).body],
    ['native event stream', firstEvent],
    [
      'V3 check-qrcode-status',
      async (id, headers) => (await request(`${base}/api/v3/check-qrcode-status?qrcodeId=${id}`, { headers })).body,
    ],
    [
      'V3 get-qrcode-status',
      async (id, headers) => (await request(`${base}/api/v3/get-qrcode-status?qrcodeId=${id}`, { headers })).body,
    ],
    [
      'V2 qrcode/check',
      async (id, headers) => (await request(`${base}/api/v2/qrcode/check?random=${id}`, { headers })).body,
    ],
  ];

  /** Every route that spends a ticket, as the stranger calls it: each answer and whether it let the stranger in. */
  const redeemers: Array<
    [string, (ticket: string, headers: Record<string, string>) => Promise<{ status: number; body: any }>]
  > = [
    ['native /login', (ticket, headers) => request(`${base}/qr-login/login`, { json: { ticket }, headers })],
    [
      'V3 exchange-tokenset-with-qrcode-ticket',
      (ticket, headers) =>
        request(`${base}/api/v3/exchange-tokenset-with-qrcode-ticket`, { json: { ticket }, headers }),
    ],
    [
      'V2 qrcode/userinfo',
      (ticket, headers) => request(`${base}/api/v2/qrcode/userinfo`, { json: { ticket }, headers }),
    ],
    [
      "the app's QrLoginGuard route",
      (ticket, headers) => request(`${base}/app/qr-session`, { json: { ticket }, headers }),
    ],
  ];

  const STRANGERS: Array<[string, Record<string, string>]> = [
    ['no proof', {}],
    ['a forged secret', { 'x-qr-login-secret': 'A'.repeat(43) }],
    ['a forged cookie', { cookie: `qr_login_secret_x=${'B'.repeat(43)}` }],
  ];

  /** A native code with the creator's cookie, driven to `stage`; what the creator sees of it is what must not leak. */
  async function nativeCode(stage: 'PENDING' | 'SCANNED' | 'AUTHORIZED') {
    const created = await request(`${base}/qr-login/qrcodes`, { json: {} });
    expect(created.status).toBe(201);
    const id: string = created.body.qrcodeId;
    const matchCode: string = created.body.matchCode;
    expect(matchCode).toMatch(/^\d+$/);
    const cookie = (created.headers.get('set-cookie') ?? '').split(';')[0];
    if (stage !== 'PENDING') {
      expect(
        (await request(`${base}/qr-login/qrcodes/${id}/scan`, { method: 'POST', headers: asUser('alice') })).status,
      ).toBe(200);
    }
    if (stage === 'AUTHORIZED') {
      const confirmed = await request(`${base}/qr-login/qrcodes/${id}/confirm`, {
        json: { matchCode },
        headers: asUser('alice'),
      });
      expect(confirmed.status).toBe(200);
    }
    const creatorView = (await request(`${base}/qr-login/qrcodes/${id}`, { headers: { cookie } })).body;
    return { id, cookie, matchCode, creatorView };
  }

  /** The secrets of a view, as they would appear in any JSON answer. */
  function secretsIn(text: string, code: { matchCode: string; creatorView: { ticket?: string } }) {
    const found: string[] = [];
    if (code.creatorView.ticket && text.includes(code.creatorView.ticket)) found.push('ticket');
    if (/"ticket"\s*:\s*"[^"]/.test(text)) found.push('a ticket field');
    if (text.includes('Alice') || text.includes('alice.png')) found.push('the scanner');
    if (text.includes(`"${code.matchCode}"`) || /"matchCode"/.test(text)) found.push('the match number');
    return found;
  }

  it.each(['PENDING', 'SCANNED', 'AUTHORIZED'] as const)(
    '%s: the creator sees what a stranger never gets on any route',
    async (stage) => {
      const code = await nativeCode(stage);
      // The creator's own view holds the secrets of this stage, so their absence below means something.
      if (stage !== 'AUTHORIZED') expect(code.creatorView.matchCode).toBe(code.matchCode);
      if (stage !== 'PENDING') expect(code.creatorView.briefUserInfo).toMatchObject({ displayName: 'Alice' });
      if (stage === 'AUTHORIZED') expect(code.creatorView.ticket).toEqual(expect.any(String));
      for (const [route, read] of readers) {
        for (const [who, headers] of STRANGERS) {
          const text = JSON.stringify(await read(code.id, headers));
          // A real status answer (V2 numbers its statuses), not an error that would hide nothing.
          expect(text, `${route} with ${who}`).toMatch(
            new RegExp(`"status":("${stage}"|${['PENDING', 'SCANNED', 'AUTHORIZED'].indexOf(stage)}[,}])`),
          );
          expect(secretsIn(text, code), `${route} with ${who}: ${text}`).toEqual([]);
        }
      }
    },
  );

  it('a stolen ticket is refused on every route, and stays good for its creator', async () => {
    const code = await nativeCode('AUTHORIZED');
    const ticket = code.creatorView.ticket as string;
    for (const [route, redeem] of redeemers) {
      for (const [who, headers] of STRANGERS) {
        const reply = await redeem(ticket, headers);
        const text = JSON.stringify(reply.body);
        expect(text, `${route} with ${who}`).not.toContain('session-for-u-alice');
        expect(text, `${route} with ${who}`).not.toContain('Alice');
        const status = reply.body?.statusCode ?? reply.body?.code ?? reply.status;
        expect(
          reply.status === 401 || (reply.status === 200 && status !== 200),
          `${route} with ${who}: ${reply.status} ${text}`,
        ).toBe(true);
      }
    }
    const login = await request(`${base}/qr-login/login`, { json: { ticket }, headers: { cookie: code.cookie } });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ access_token: 'session-for-u-alice' });
  });

  it('the creator redeems through the GenAuth routes only with its proof', async () => {
    const code = await nativeCode('AUTHORIZED');
    const ticket = code.creatorView.ticket as string;
    const exchanged = await request(`${base}/api/v3/exchange-tokenset-with-qrcode-ticket`, {
      json: { ticket },
      headers: { cookie: code.cookie },
    });
    expect(exchanged.body).toMatchObject({ statusCode: 200, data: { access_token: 'session-for-u-alice' } });
  });
});
