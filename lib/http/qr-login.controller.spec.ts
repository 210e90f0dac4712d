import type { INestApplication } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, type AdapterName } from '../../test/app/test-app';
import { asUser, creatorHeader, nativeClient, request } from '../../test/support/http';
import { ManualClock } from '../../test/support/manual-clock';
import { openSse, type SseReader } from '../../test/support/sse';
import type { QrLoginModuleOptions } from '../qr-login.module-options';

/*
 * The native routes over real HTTP on both adapters and the memory store, each
 * driven once with its exact status, body and headers. Apps are made inside the
 * tests: mutation testing credits the tests that reached the code, not a hook.
 */

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function nativeApp(adapter: AdapterName, options: Partial<QrLoginModuleOptions> = {}) {
  const { app, url }: { app: INestApplication; url: string } = await createTestApp({ adapter, options });
  open.push(app);
  return nativeClient(url);
}

const refusal = (code: string, message: string, statusCode: number) => ({ statusCode, code, message });

describe.each(ADAPTERS)('QrLoginController on %s', (adapter) => {
  it('creates, scans, confirms and redeems: customData reaches issueTokenSet, nothing is cached', async () => {
    const client = await nativeApp(adapter);
    const created = await client.create({ customData: { cart: 7 } });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body.qrcodeId).toMatch(/^[\w-]{27}$/);
    expect(created.headers.get('set-cookie')).toContain(
      `=${created.body.creatorSecret}; Max-Age=180; Path=/; HttpOnly`,
    );
    const id = created.body.qrcodeId;

    const scanned = await client.act(id, 'scan', asUser('alice'));
    expect(scanned.status).toBe(200);
    expect(scanned.body).toMatchObject({ qrcodeId: id, status: 'SCANNED', flow: 'qr' });
    const confirmed = await client.act(id, 'confirm', asUser('alice'));
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ qrcodeId: id, status: 'AUTHORIZED' });

    const status = await client.status(id, creatorHeader(created));
    expect(status.status).toBe(200);
    expect(status.headers.get('cache-control')).toBe('no-store');
    expect(status.body.status).toBe('AUTHORIZED');
    const login = await client.login(status.body.ticket, creatorHeader(created));
    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
    expect(login.body).toEqual({
      access_token: 'session-for-u-alice',
      user: expect.objectContaining({ id: 'u-alice' }),
      customData: { cart: 7 },
    });
  });

  it('creates a code without a body', async () => {
    const client = await nativeApp(adapter);
    const created = await request(`${client.root}/qrcodes`, { method: 'POST' });
    expect(created.status).toBe(201);
    expect(created.body.qrcodeId).toMatch(/^[\w-]{27}$/);
  });

  it('refuses a JSON null body with what to send', async () => {
    const client = await nativeApp(adapter);
    const refused = await request(`${client.root}/qrcodes`, {
      body: 'null',
      headers: { 'content-type': 'application/json' },
    });
    expect(refused.status).toBe(400);
    if (adapter === 'fastify') {
      expect(refused.body).toEqual(
        refusal('QR_VALIDATION_FAILED', 'The body must be a JSON object such as {} or { "customData": { ... } }.', 400),
      );
    }
    // Express's JSON parser refuses a top-level null itself, before the route.
  });

  it("serves the QR image, cacheable for the code's remaining life", async () => {
    const clock = new ManualClock();
    const client = await nativeApp(adapter, { clock });
    const id = (await client.create()).body.qrcodeId;
    const image = await fetch(`${client.root}/qrcodes/${id}/image`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/svg+xml');
    expect(image.headers.get('cache-control')).toBe('private, max-age=120, immutable');
    const svg = await image.text();
    expect(svg).toMatch(/^<svg /);
    expect(image.headers.get('content-length')).toBe(String(Buffer.byteLength(svg)));
    clock.advance(30_000);
    const later = await fetch(`${client.root}/qrcodes/${id}/image`);
    expect(later.headers.get('cache-control')).toBe('private, max-age=90, immutable');
  });

  it('streams the status as Server-Sent Events, and refuses a stream over the per-IP limit', async () => {
    const client = await nativeApp(adapter, { maxStreamsPerIp: 1 });
    const id = (await client.create()).body.qrcodeId;
    const reader: SseReader = await openSse(client.eventsUrl(id));
    open.push(reader);
    expect(reader.status).toBe(200);
    expect(reader.contentType).toBe('text/event-stream');
    const [first] = await reader.waitForEvents(1);
    expect(JSON.parse(first.data)).toMatchObject({ qrcodeId: id, status: 'PENDING' });

    const refused = await fetch(client.eventsUrl(id));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect((await refused.json()).code).toBe('QR_RATE_LIMITED');

    // The stream goes on: a scan reaches it.
    await client.act(id, 'scan', asUser('alice'));
    const [, scanned] = await reader.waitForEvents(2);
    expect(JSON.parse(scanned.data).status).toBe('SCANNED');
  });

  it('answers 404 for the events of an unknown code, before any stream', async () => {
    const client = await nativeApp(adapter);
    const refused = await fetch(client.eventsUrl('nope'));
    expect(refused.status).toBe(404);
    expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await refused.json()).code).toBe('QR_NOT_FOUND');
  });

  it('hands confirm the matchCode the phone sent', async () => {
    const client = await nativeApp(adapter, { numberMatching: true });
    const created = await client.create();
    const id = created.body.qrcodeId;
    await client.act(id, 'scan', asUser('alice'));
    const confirm = (json: unknown) =>
      request(`${client.root}/qrcodes/${id}/confirm`, { json, headers: asUser('alice') });
    expect((await confirm({})).body.code).toBe('QR_MATCH_REQUIRED');
    const confirmed = await confirm({ matchCode: created.body.matchCode });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('AUTHORIZED');
  });

  it('cancels a scanned code for the user who scanned it', async () => {
    const client = await nativeApp(adapter);
    const created = await client.create();
    const id = created.body.qrcodeId;
    await client.act(id, 'scan', asUser('alice'));
    const cancelled = await client.act(id, 'cancel', asUser('alice'));
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ qrcodeId: id, status: 'CANCELLED' });
    expect((await client.status(id, creatorHeader(created))).body.status).toBe('CANCELLED');
  });
});
