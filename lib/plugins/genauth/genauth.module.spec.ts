import { Injectable, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { QrLoginService, type QrLoginEvent } from '../../plugin';
import { createTestApp, type TestAppOptions } from '../../../test/app/test-app';
import { closedAfterEach } from '../../../test/support/closed-after-each';
import { request } from '../../../test/support/http';
import { RecordingMemoryStore } from '../../../test/support/plugin-kernel';
import { QrLoginGenAuthConfigError } from './genauth.config';
import type { QrLoginGenAuthForRootOptions } from './genauth.module-definition';

/*
 * QrLoginGenAuthModule as an app mounts it, over real HTTP on one adapter,
 * apps made inside each test: which route sets it mounts, the app's route
 * decorators on them, the start-up check of the token set hook, and how the
 * codes it creates are bound (who may read and redeem them).
 */

const keep = closedAfterEach<{ close(): Promise<unknown> }>();
const SECRET = 'correct-horse-battery-staple';

/** Refuses any request that carries `x-deny`, to see that `routeDecorators` reach the compatible routes. */
@Injectable()
class DenyMarkedRequests implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest().headers['x-deny'] === undefined;
  }
}

const tokenSet = (user: any) => ({ access_token: `session-for-${user.id}`, expires_in: 60 });

async function boot(genauth: QrLoginGenAuthForRootOptions, options: TestAppOptions['options'] = {}) {
  const store = keep(new RecordingMemoryStore());
  const { app, url } = await createTestApp({
    adapter: 'express',
    store,
    genauth,
    options: { issueTokenSet: tokenSet, ...options },
  });
  keep(app);
  const events: QrLoginEvent[] = [];
  const subscription = app.get(QrLoginService).events$.subscribe((event) => events.push(event));
  keep({ close: async () => subscription.unsubscribe() });
  const v3 = (path: string, json?: unknown, headers: Record<string, string> = {}) =>
    request(`${url}/api/v3/${path}`, json === undefined ? { headers } : { json, headers });
  const v2 = (path: string, json?: unknown, headers: Record<string, string> = {}) =>
    request(`${url}/api/v2/qrcode/${path}`, json === undefined ? { headers } : { json, headers });
  return { url, store, events, v3, v2 };
}

type Booted = Awaited<ReturnType<typeof boot>>;

/** A V3 code scanned and confirmed by alice; the cookie of its creation is sent on every web-side call. */
async function confirmed(booted: Booted, confirm: Record<string, string> = {}) {
  const created = await booted.v3('gene-qrcode', { type: 'MOBILE_APP' });
  const cookie = (created.headers.get('set-cookie') ?? '').split(';')[0];
  const { qrcodeId } = created.body.data;
  const alice = { authorization: 'token-alice' };
  await booted.v3('change-qrcode-status', { qrcodeId, action: 'SCAN' }, alice);
  const answer = await booted.v3('change-qrcode-status', { qrcodeId, action: 'CONFIRM', ...confirm }, alice);
  return { qrcodeId: qrcodeId as string, cookie, answer };
}

describe('QrLoginGenAuthModule mounting', () => {
  it('mounts the V3 routes by default and the V2 routes with v2: true', async () => {
    const v3Only = await boot({});
    expect((await v3Only.v3('gene-qrcode', { type: 'MOBILE_APP' })).body.statusCode).toBe(200);
    expect((await v3Only.v2('gene', {})).status).toBe(404);
    const both = await boot({ v2: true });
    expect((await both.v3('gene-qrcode', { type: 'MOBILE_APP' })).body.statusCode).toBe(200);
    expect((await both.v2('gene', {})).body.code).toBe(200);
    const v2Only = await boot({ v3: false, v2: true });
    expect((await v2Only.v3('gene-qrcode', { type: 'MOBILE_APP' })).status).toBe(404);
    expect((await v2Only.v2('gene', {})).body.code).toBe(200);
  });

  it('puts the app routeDecorators on both route sets', async () => {
    const booted = await boot({ v2: true, routeDecorators: [UseGuards(DenyMarkedRequests)] });
    const denied = { 'x-deny': '1' };
    expect((await booted.v3('gene-qrcode', { type: 'MOBILE_APP' }, denied)).body.statusCode).toBe(403);
    expect((await booted.v2('gene', {}, denied)).body.code).toBe(403);
    expect((await booted.v3('gene-qrcode', { type: 'MOBILE_APP' })).body.statusCode).toBe(200);
  });

  it('refuses routeDecorators that are not decorators, naming this module', async () => {
    await expect(boot({ routeDecorators: 'Public' as any })).rejects.toThrow(
      '"routeDecorators" must be an array of class decorators, e.g. QrLoginGenAuthModule.forRoot({ routeDecorators: [Public()] })',
    );
  });
});

describe('QrLoginGenAuthModule start-up', () => {
  it('refuses to start when no hook issues the token set the exchange answers', async () => {
    const start = boot({}, { issueTokenSet: undefined });
    await expect(start).rejects.toThrow(QrLoginGenAuthConfigError);
    await expect(start).rejects.toThrow(
      'QrLoginGenAuthModule is misconfigured: the exchange answers a token set for the confirmed user, but no hook issues one: set issueTokenSet in QrLoginModule (returning at least access_token and expires_in) or in QrLoginGenAuthModule.',
    );
  });

  it("starts with the plugin's own hook alone, which then issues the token set", async () => {
    const booted = await boot(
      { issueTokenSet: (user: any) => ({ access_token: `plugin-for-${user.id}`, expire_in: 5, token_type: 'Plugin' }) },
      { issueTokenSet: undefined },
    );
    const { qrcodeId } = await confirmed(booted);
    const { ticket } = (await booted.v3(`get-qrcode-status?qrcodeId=${qrcodeId}`)).body.data;
    expect((await booted.v3('exchange-tokenset-with-qrcode-ticket', { ticket })).body.data).toEqual({
      access_token: 'plugin-for-u-alice',
      token_type: 'Plugin',
      expire_in: 5,
    });
  });
});

describe('how the codes of the compatible routes are bound', () => {
  it("with client authentication none, anyone reads and redeems them, the native login too; they are GenAuth's", async () => {
    const booted = await boot({});
    const { qrcodeId } = await confirmed(booted);
    expect(booted.events.find((event) => event.type === 'created')).toMatchObject({ qrcodeId, via: 'genauth' });
    const { ticket } = (await booted.v3(`get-qrcode-status?qrcodeId=${qrcodeId}`)).body.data;
    expect(ticket).toEqual(expect.any(String));
    const native = await request(`${booted.url}/qr-login/login`, { json: { ticket } });
    expect(native.body).toMatchObject({ access_token: 'session-for-u-alice' });
  });

  it('with a client secret, only that client redeems them: the native login cannot', async () => {
    const booted = await boot({
      tokenEndpointAuthMethod: 'client_secret_post',
      clientId: 'app-1',
      clientSecret: SECRET,
    });
    const { qrcodeId } = await confirmed(booted);
    expect(booted.events.find((event) => event.type === 'created')).toMatchObject({ qrcodeId, via: 'genauth' });
    const { ticket } = (await booted.v3(`get-qrcode-status?qrcodeId=${qrcodeId}`)).body.data;
    expect(ticket).toEqual(expect.any(String));
    const native = await request(`${booted.url}/qr-login/login`, { json: { ticket } });
    expect(native.status).toBe(401);
    const exchanged = await booted.v3('exchange-tokenset-with-qrcode-ticket', {
      ticket,
      client_id: 'app-1',
      client_secret: SECRET,
    });
    expect(exchanged.body.data.access_token).toBe('session-for-u-alice');
  });

  it('with bindToCreator, only the browser that created the code sees and redeems its ticket', async () => {
    const booted = await boot({ bindToCreator: true });
    const { qrcodeId, cookie } = await confirmed(booted);
    expect(cookie).not.toBe('');
    expect(booted.events.find((event) => event.type === 'created')).toMatchObject({ qrcodeId, via: 'genauth' });
    const stranger = (await booted.v3(`get-qrcode-status?qrcodeId=${qrcodeId}`)).body.data;
    expect(stranger).not.toHaveProperty('ticket');
    const creator = await booted.v3(`get-qrcode-status?qrcodeId=${qrcodeId}`, undefined, { cookie });
    const { ticket } = creator.body.data;
    expect(ticket).toEqual(expect.any(String));
    expect((await booted.v3('exchange-tokenset-with-qrcode-ticket', { ticket })).body.statusCode).toBe(401);
    const redeemed = await booted.v3('exchange-tokenset-with-qrcode-ticket', { ticket }, { cookie });
    expect(redeemed.body.data.access_token).toBe('session-for-u-alice');
  });

  it('with number matching on, CONFIRM takes the number the page shows', async () => {
    const booted = await boot({}, { numberMatching: true });
    const wrong = await confirmed(booted, { matchCode: 'nope' });
    expect(wrong.answer.body.statusCode).not.toBe(200);
    const created = await booted.v3('gene-qrcode', { type: 'MOBILE_APP' });
    const { qrcodeId } = created.body.data;
    const alice = { authorization: 'token-alice' };
    await booted.v3('change-qrcode-status', { qrcodeId, action: 'SCAN' }, alice);
    const matchCode = (await booted.store.get(qrcodeId))!.match!.code;
    const right = await booted.v3('change-qrcode-status', { qrcodeId, action: 'CONFIRM', matchCode }, alice);
    expect(right.body).toEqual({ statusCode: 200, message: 'Success' });
  });
});
