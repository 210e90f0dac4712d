import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QrLoginService, type QrLoginEvent } from '../../lib';
import { createTestApp } from '../app/test-app';
import { asUser, creatorHeader, nativeClient } from '../support/http';
import { eventually } from '../support/sse';
import { ManualClock } from '../support/manual-clock';
import { expiryOfQrCodeId } from '../../lib/kernel/qr-login.ids';

describe('lifecycle events', () => {
  let app: Awaited<ReturnType<typeof createTestApp>>['app'];
  let api: ReturnType<typeof nativeClient>;
  const seen: QrLoginEvent[] = [];
  // Expiry on a manual clock: the abandoned code expires when the test moves the clock.
  const clock = new ManualClock();

  beforeAll(async () => {
    const started = await createTestApp({ adapter: 'express', options: { clock, qrCodeTtl: 60 } });
    app = started.app;
    api = nativeClient(started.url);
    app.get(QrLoginService).events$.subscribe((event) => seen.push(event));
  });
  afterAll(() => app.close());

  const of = (id: string) => seen.filter((e) => e.qrcodeId === id);

  it('reports each step of a login, with requester and user, and no secret', async () => {
    const created = await api.create({}, { 'user-agent': 'Audit/1' });
    const id = created.body.qrcodeId;
    await api.act(id, 'confirm', asUser('alice'));
    await api.act(id, 'scan', asUser('alice'));
    await api.act(id, 'confirm', asUser('bob'));
    await api.act(id, 'confirm', asUser('alice'));
    const ticket = (await api.status(id, creatorHeader(created))).body.ticket;
    await api.login(ticket, creatorHeader(created));
    await api.login(ticket, creatorHeader(created));
    expect(of(id).map((e) => [e.type, e.userId ?? null, e.code ?? null])).toEqual([
      ['created', null, null],
      ['refused', 'u-alice', 'QR_WRONG_STATE'],
      ['scanned', 'u-alice', null],
      ['refused', 'u-bob', 'QR_NOT_SCANNER'],
      ['authorized', 'u-alice', null],
      ['redeemed', 'u-alice', null],
      ['refused', null, 'QR_TICKET_USED'],
    ]);
    expect(of(id)[0].requester).toMatchObject({ ip: '127.0.0.1', userAgent: 'Audit/1' });
    const text = JSON.stringify(of(id));
    expect(text).not.toContain(ticket);
    expect(text).not.toContain(created.body.creatorSecret);
  });

  it('reports expiry of an abandoned code, once, and keeps no check armed afterwards', async () => {
    const service = app.get(QrLoginService);
    const id = (await api.create()).body.qrcodeId;
    expect(service.pendingExpiryChecks).toBeGreaterThan(0);
    clock.advance(expiryOfQrCodeId(id)! - clock.now() - 1);
    // A round trip through the app and the store, time for a premature check to have reported.
    expect((await api.status(id)).body.status).toBe('PENDING');
    expect(of(id).map((e) => e.type)).toEqual(['created']);
    clock.advance(60_000);
    await eventually(() => of(id).some((e) => e.type === 'expired'), 5_000, 'the expired event');
    await eventually(() => service.pendingExpiryChecks === 0, 5_000, 'no expiry check to be left');
    // Later ticks report nothing more.
    clock.advance(600_000);
    expect((await api.status(id)).body.status).toBe('EXPIRED');
    expect(of(id).map((e) => e.type)).toEqual(['created', 'expired']);
  });
});
