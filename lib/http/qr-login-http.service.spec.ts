import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/support/manual-clock';
import { MemoryQrLoginStore } from '../stores/memory-qr-login.store';
import type { QrLoginRateLimiter } from '../kernel/interfaces/qr-login-rate-limiter.interface';
import type { QrCodeBinding } from '../kernel/interfaces/qr-code.interface';
import { QrLoginModule } from '../qr-login.module';
import type { QrLoginModuleOptions } from '../qr-login.module-options';
import { markDpopJkt } from './dpop/qr-login-dpop.guard';
import { QrLoginHttpService } from './qr-login-http.service';
import { creatorCookieName } from './qr-login.request';
import { hashSecret } from '../kernel/qr-login.ids';
import { resolveQrLoginConfig } from '../kernel/qr-login.config';

/*
 * What QrLoginHttpService reads from a request and does with it: the proof a
 * request carries (creator secrets, a verified DPoP key, a client the caller
 * authenticated), the facts about the requester, the page-origin check and
 * the creator cookie of a new code, and the in-handler rate limit. The module
 * runs for real on the Fastify adapter without listening; requests are plain
 * objects shaped like the adapters' and responses are Node's own.
 */

const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
const COOKIE_NAME = 'qr_login_secret';

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function boot(options: Partial<QrLoginModuleOptions> = {}) {
  const store = new MemoryQrLoginStore();
  const clock = new ManualClock();
  const moduleRef = await Test.createTestingModule({
    imports: [
      QrLoginModule.forRoot({
        appAuth: { resolveUser: () => null },
        store,
        clock,
        rateLimit: false,
        ...options,
      } as QrLoginModuleOptions),
    ],
  }).compile();
  app = moduleRef.createNestApplication(new FastifyAdapter());
  await app.init();
  return { http: app.get(QrLoginHttpService), store, clock };
}

function response() {
  const raw = new ServerResponse(new IncomingMessage(new Socket()));
  return { raw, cookies: () => [raw.getHeader('set-cookie') ?? []].flat().map(String) };
}

describe('proofOf', () => {
  it('carries the creator secrets of the header and the creator cookies', async () => {
    const { http } = await boot();
    const request = {
      headers: { 'x-qr-login-secret': 'from-header', cookie: `${COOKIE_NAME}_abcdefabcdef=from-cookie; other=x` },
    };
    expect(http.proofOf(request)).toStrictEqual({ creatorSecrets: ['from-header', 'from-cookie'] });
  });

  it('adds the client the caller authenticated, and only a named one', async () => {
    const { http } = await boot();
    expect(http.proofOf({ headers: {} }, 'device-app')).toStrictEqual({ creatorSecrets: [], client: 'device-app' });
    expect(http.proofOf({ headers: {} }, '')).toStrictEqual({ creatorSecrets: [] });
    expect(http.proofOf({ headers: {} }, undefined)).toStrictEqual({ creatorSecrets: [] });
  });

  it('adds the key of a DPoP proof verified on the request, and nothing for a request without one', async () => {
    const { http } = await boot();
    const request = { headers: { 'x-qr-login-secret': 's' } };
    expect(http.proofOf(request)).toStrictEqual({ creatorSecrets: ['s'] });
    markDpopJkt(request, JKT);
    expect(http.proofOf(request, 'c')).toStrictEqual({ creatorSecrets: ['s'], client: 'c', dpopJkt: JKT });
  });

  it('does not take a DPoP header nobody verified as a key', async () => {
    const { http } = await boot();
    expect(http.proofOf({ headers: { dpop: 'eyJ.unverified.proof' } })).toStrictEqual({ creatorSecrets: [] });
  });
});

describe('requesterOf', () => {
  it("names the adapter's client address, the User-Agent and the page origin", async () => {
    const { http } = await boot();
    const request = {
      ip: '203.0.113.7',
      socket: { remoteAddress: '10.0.0.1' },
      headers: { 'user-agent': 'Browser/1.0', origin: 'https://app.example' },
    };
    expect(http.requesterOf(request)).toStrictEqual({
      ip: '203.0.113.7',
      userAgent: 'Browser/1.0',
      origin: 'https://app.example',
    });
  });

  it('leaves out what the request does not carry', async () => {
    const { http } = await boot();
    expect(http.requesterOf({ headers: {} })).toStrictEqual({});
    expect(http.requesterOf({ ip: '', headers: { 'user-agent': '', origin: '' } })).toStrictEqual({});
    expect(http.requesterOf({ socket: { remoteAddress: '::1' }, headers: {} })).toStrictEqual({ ip: '::1' });
  });
});

describe('create', () => {
  const NATIVE_COOKIE = (secret: string) => `${creatorCookieName(CONFIG, hashSecret(secret))}=${secret}`;
  const CONFIG = resolveQrLoginConfig({ appAuth: { resolveUser: () => null } } as QrLoginModuleOptions);

  it("creates a code with the requester's facts and sets the creator cookie", async () => {
    const { http, store } = await boot();
    const { raw, cookies } = response();
    const request = { ip: '203.0.113.7', headers: { 'user-agent': 'Browser/1.0', origin: 'https://app.example' } };
    const created = await http.create({}, request, raw);
    const record = await store.get(created.qrcodeId);
    expect(record?.requester).toMatchObject({
      ip: '203.0.113.7',
      userAgent: 'Browser/1.0',
      origin: 'https://app.example',
    });
    expect(record?.creatorKey).toBeUndefined();
    expect(cookies()).toHaveLength(1);
    expect(cookies()[0]!.split('; ')[0]).toBe(NATIVE_COOKIE(created.creatorSecret));
  });

  it('key-binds a native code to the DPoP key the request proved', async () => {
    const { http, store } = await boot();
    const request = { headers: {} };
    markDpopJkt(request, JKT);
    const created = await http.create({}, request, response().raw);
    expect((await store.get(created.qrcodeId))?.creatorKey).toStrictEqual({ jkt: JKT });
  });

  it("leaves a plugin's code (its own binding) unbound to the request's key", async () => {
    const { http, store } = await boot();
    const request = { headers: {} };
    markDpopJkt(request, JKT);
    const binding: QrCodeBinding = { reveal: 'creator', redeem: 'creator', via: 'plugin' };
    const created = await http.create({}, request, response().raw, { binding });
    expect((await store.get(created.qrcodeId))?.creatorKey).toBeUndefined();
  });

  it.each<[string, QrCodeBinding, number]>([
    ['reveal and redeem by the creator', { reveal: 'creator', redeem: 'creator', via: 'p' }, 1],
    ['reveal to the creator only', { reveal: 'creator', redeem: 'anyone', via: 'p' }, 1],
    ['redeem by the creator only', { reveal: 'anyone', redeem: 'creator', via: 'p' }, 1],
    ['neither (a client-bound code)', { reveal: 'anyone', redeem: 'client', via: 'p' }, 0],
    ['neither (open to anyone)', { reveal: 'anyone', redeem: 'anyone', via: 'p' }, 0],
  ])('with a binding of %s, sets %s creator cookie(s)', async (_what, binding, count) => {
    const { http } = await boot();
    const { raw, cookies } = response();
    const created = await http.create({}, { headers: {} }, raw, { binding });
    expect(cookies()).toHaveLength(count);
    if (count) expect(cookies()[0]!.split('; ')[0]).toBe(NATIVE_COOKIE(created.creatorSecret));
  });

  it('refuses a page origin outside risk.allowedOrigins before creating anything', async () => {
    const { http, store } = await boot({ risk: { allowedOrigins: ['https://app.example'] } });
    const { raw, cookies } = response();
    await expect(http.create({}, { headers: { origin: 'https://evil.example' } }, raw)).rejects.toMatchObject({
      code: 'QR_ORIGIN_NOT_ALLOWED',
    });
    expect(cookies()).toEqual([]);
    expect(store.size).toBe(0);
    const created = await http.create({}, { headers: { origin: 'https://app.example' } }, raw);
    expect(created.qrcodeId).toBeTruthy();
    // Without requireOrigin, a request with no Origin (not a browser page) passes.
    await expect(http.create({}, { headers: {} }, response().raw)).resolves.toBeTruthy();
  });

  it('with risk.requireOrigin beside the list, refuses a request without an Origin', async () => {
    const { http, store } = await boot({ risk: { allowedOrigins: ['https://app.example'], requireOrigin: true } });
    await expect(http.create({}, { headers: {} }, response().raw)).rejects.toMatchObject({
      code: 'QR_ORIGIN_NOT_ALLOWED',
    });
    expect(store.size).toBe(0);
    await expect(http.create({}, { headers: { origin: 'https://app.example' } }, response().raw)).resolves.toBeTruthy();
  });
});

describe('limit', () => {
  it("lets exactly the rule's limit through per subject and bucket, then refuses with the seconds left", async () => {
    const { http, clock } = await boot({ rateLimit: { appAction: { limit: 3, window: 60 } } });
    for (let hit = 1; hit <= 3; hit++) await expect(http.limit('appAction', 'alice')).resolves.toBeUndefined();
    clock.advance(1_500);
    // 58.5 s of the window left: rounded up.
    await expect(http.limit('appAction', 'alice')).rejects.toMatchObject({
      code: 'QR_RATE_LIMITED',
      retryAfterSeconds: 59,
    });
    // Another subject, and the same subject in another bucket, count apart.
    await expect(http.limit('appAction', 'bob')).resolves.toBeUndefined();
    await expect(http.limit('redeem', 'alice')).resolves.toBeUndefined();
    // The window ends 60 s after the first hit.
    clock.advance(58_499);
    await expect(http.limit('appAction', 'alice')).rejects.toMatchObject({ retryAfterSeconds: 1 });
    clock.advance(1);
    await expect(http.limit('appAction', 'alice')).resolves.toBeUndefined();
  });

  it('answers at least one second, even from a limiter whose window just ended', async () => {
    const ended: QrLoginRateLimiter = {
      hit: async (_key, limit) => ({ allowed: false, count: limit + 1, resetInMs: 0 }),
    };
    const { http } = await boot({ rateLimit: { limiter: ended } });
    await expect(http.limit('appAction', 'alice')).rejects.toMatchObject({ retryAfterSeconds: 1 });
  });

  it('counts nothing with limits off, or for a bucket turned off', async () => {
    const off = await boot({ rateLimit: false });
    for (let hit = 0; hit < 700; hit++) await off.http.limit('status', 'alice');
    await app!.close();
    app = undefined;
    const bucketOff = await boot({ rateLimit: { appAction: false, redeem: { limit: 1, window: 60 } } });
    for (let hit = 0; hit < 100; hit++) await bucketOff.http.limit('appAction', 'alice');
    await bucketOff.http.limit('redeem', 'alice');
    await expect(bucketOff.http.limit('redeem', 'alice')).rejects.toMatchObject({ code: 'QR_RATE_LIMITED' });
  });
});
