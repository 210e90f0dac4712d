import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleApp } from '../../sample/sample.app';
import { request } from '../support/http';
import { openSse } from '../support/sse';
import { ManualClock } from '../support/manual-clock';

// Rotation on the module's manual clock: the code rotates when the test moves the clock.
const ROTATE_S = 10;
const clock = new ManualClock();

const SHOWN = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

function cookieOf(headers: Headers): string {
  return headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .join('; ');
}

// One app at a time (passport's registry is per process); rotation needs an app of its own.
describe.each(['express', 'fastify'] as const)('short codes of the sample on %s', (adapter) => {
  let app: INestApplication;
  let url: string;
  let alice: Record<string, string>;

  beforeAll(async () => {
    ({ app, url } = await createSampleApp({ adapter, port: 0, host: '127.0.0.1', logger: false, qrCodeTtl: 30, rotateEvery: ROTATE_S, clock }));
    const login = await request(`${url}/auth/login`, { json: { username: 'alice', password: 'wonderland' } });
    alice = { authorization: `Bearer ${login.body.access_token}` };
  });

  afterAll(async () => {
    await app?.close();
  });

  it('come with each new code and stand for it on the phone side', async () => {
    const created = await request(`${url}/qr-login/qrcodes`, { json: {} });
    expect(created.status).toBe(201);
    expect(created.body.shortCode).toMatch(SHOWN);
    const { qrcodeId, shortCode } = created.body;

    const resolved = await request(`${url}/short-codes/${encodeURIComponent(shortCode)}`, { headers: alice });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toEqual({ qrcodeId });
    expect(resolved.headers.get('cache-control')).toBe('no-store');
    const typedLoosely = shortCode.toLowerCase().replace('-', '');
    expect((await request(`${url}/short-codes/${typedLoosely}`, { headers: alice })).body).toEqual({ qrcodeId });

    // The id it resolves to is the real code: alice can scan it.
    const scan = await request(`${url}/qr-login/qrcodes/${qrcodeId}/scan`, { method: 'POST', headers: alice });
    expect(scan.status).toBe(200);
  });

  it('resolve only for a logged-in app user', async () => {
    const created = await request(`${url}/qr-login/qrcodes`, { json: {} });
    const anonymous = await request(`${url}/short-codes/${created.body.shortCode}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.qrcodeId).toBeUndefined();
  });

  it('answer 400 for what is not a short code and 404 for an unknown one', async () => {
    const malformed = await request(`${url}/short-codes/hello`, { headers: alice });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('SHORT_CODE_INVALID');
    const unknown = await request(`${url}/short-codes/ZZZZ-ZZZZ`, { headers: alice });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'SHORT_CODE_NOT_FOUND', message: expect.stringContaining('short code') });
  });

  it('count against the per-user appAction rate limit, so guessing is as slow as scanning', async () => {
    const login = await request(`${url}/auth/login`, { json: { username: 'bob', password: 'builder' } });
    const bob = { authorization: `Bearer ${login.body.access_token}` };
    // The module's default: 60 app actions per user per minute.
    const answers = await Promise.all(Array.from({ length: 60 }, () => request(`${url}/short-codes/ZZZZ-ZZZZ`, { headers: bob })));
    expect(answers.map((answer) => answer.status)).toEqual(Array(60).fill(404));
    const over = await request(`${url}/short-codes/ZZZZ-ZZZZ`, { headers: bob });
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('QR_RATE_LIMITED');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('leave status reads as the module answers them', async () => {
    const created = await request(`${url}/qr-login/qrcodes`, { json: {} });
    const status = await request(`${url}/qr-login/qrcodes/${created.body.qrcodeId}`);
    expect(status.body).toEqual({ qrcodeId: created.body.qrcodeId, status: 'PENDING', expiresIn: expect.any(Number) });
  });

  it('come with a rotated code on the creator’s event stream', async () => {
    const created = await request(`${url}/qr-login/qrcodes`, { json: {} });
    const events = await openSse(`${url}/qr-login/qrcodes/${created.body.qrcodeId}/events`, { cookie: cookieOf(created.headers) });
    try {
      await events.waitForEvents(1);
      clock.advance(ROTATE_S * 1000);
      const [first, rotated] = (await events.waitForEvents(2)).map((event) => JSON.parse(event.data));
      expect(first).toMatchObject({ qrcodeId: created.body.qrcodeId, status: 'PENDING' });
      expect(first.shortCode).toBeUndefined();
      expect(rotated).toMatchObject({ status: 'PENDING', rotatedFrom: created.body.qrcodeId, shortCode: expect.stringMatching(SHOWN) });
      expect(rotated.shortCode).not.toBe(created.body.shortCode);
      const resolved = await request(`${url}/short-codes/${rotated.shortCode}`, { headers: alice });
      expect(resolved.body).toEqual({ qrcodeId: rotated.qrcodeId });
    } finally {
      events.close();
    }
  });
});
