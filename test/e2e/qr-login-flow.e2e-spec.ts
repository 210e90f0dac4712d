import { beforeAll, expect, it } from 'vitest';
import { QrLoginService } from '../../lib';
import { expiryOfQrCodeId, newQrCodeId } from '../../lib/kernel/qr-login.ids';
import { ManualClock } from '../support/manual-clock';
import { asUser, creatorHeader, request } from '../support/http';
import { eventually, openSse, statusesOf } from '../support/sse';
import { describeMatrix, type MatrixApp } from '../support/matrix';

describeMatrix('QR login', {}, (current) => {
  let app: MatrixApp['app'];
  let api: MatrixApp['api'];
  let base: string;
  beforeAll(() => {
    ({ app, api, url: base } = current());
  });

  it('runs the whole flow: create → scan → confirm → redeem once', async () => {
    const created = await api.create({ customData: { school: 'hust' } }, { 'user-agent': 'FlowTest/1.0' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      qrcodeId: expect.any(String),
      payload: created.body.qrcodeId,
      expiresIn: 120,
    });
    expect(created.body.url).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(created.body.url.split(',')[1], 'base64').toString()).toContain('<svg');
    const cookie = created.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^qr_login_secret_[\w-]{12}=[\w-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toContain(created.body.qrcodeId);
    const id = created.body.qrcodeId;

    const pending = await api.status(id);
    expect(pending.status).toBe(200);
    expect(pending.body).toMatchObject({ qrcodeId: id, status: 'PENDING' });
    expect(pending.body.briefUserInfo).toBeUndefined();

    const scanned = await api.act(id, 'scan', asUser('alice'));
    expect(scanned.status).toBe(200);
    expect(scanned.body).toMatchObject({
      qrcodeId: id,
      status: 'SCANNED',
      requester: { ip: '127.0.0.1', userAgent: 'FlowTest/1.0', appName: 'Fixture Web' },
    });
    expect(Date.parse(scanned.body.requester.createdAt)).toBeGreaterThan(Date.now() - 60_000);

    const afterScan = await api.status(id, creatorHeader(created));
    expect(afterScan.body).toMatchObject({
      status: 'SCANNED',
      briefUserInfo: { displayName: 'Alice', photo: 'https://example.test/alice.png' },
    });
    // Whoever merely saw the QR learns the status, not who scanned it.
    const anonymous = await api.status(id);
    expect(anonymous.body).toEqual({ qrcodeId: id, status: 'SCANNED', expiresIn: expect.any(Number) });

    const confirmed = await api.act(id, 'confirm', asUser('alice'));
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('AUTHORIZED');
    expect(confirmed.body.ticket).toBeUndefined();

    const authorized = await api.status(id, creatorHeader(created));
    expect(authorized.body).toMatchObject({ status: 'AUTHORIZED', briefUserInfo: { displayName: 'Alice' } });
    expect(authorized.body.ticket).toMatch(/^[\w-]{27}\.[\w-]{43}$/);

    const login = await api.login(authorized.body.ticket, creatorHeader(created));
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({
      access_token: 'session-for-u-alice',
      user: { id: 'u-alice', displayName: 'Alice' },
      customData: { school: 'hust' },
    });

    const again = await api.login(authorized.body.ticket, creatorHeader(created));
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({ statusCode: 401, code: 'QR_TICKET_USED' });

    const afterRedeem = await api.status(id, creatorHeader(created));
    expect(afterRedeem.body.status).toBe('AUTHORIZED');
    expect(afterRedeem.body.ticket).toBeUndefined();
  });

  it('binds the ticket to the creator: cookie works, strangers see no ticket and cannot redeem', async () => {
    const created = await api.create();
    const id = created.body.qrcodeId;
    const cookie = (created.headers.get('set-cookie') ?? '').split(';')[0];
    await api.act(id, 'scan', asUser('bob'));
    await api.act(id, 'confirm', asUser('bob'));

    const stranger = await api.status(id);
    expect(stranger.body).toEqual({ qrcodeId: id, status: 'AUTHORIZED' });
    const wrongSecret = await api.status(id, { 'x-qr-login-secret': 'x'.repeat(43) });
    expect(wrongSecret.body).not.toHaveProperty('ticket');

    const viaCookie = await api.status(id, { cookie });
    const ticket = viaCookie.body.ticket;
    expect(ticket).toMatch(/^[\w-]{27}\./);

    const sse = await openSse(api.eventsUrl(id));
    await sse.ended;
    expect(statusesOf(sse)).toEqual(['AUTHORIZED']);
    expect(JSON.parse(sse.events[0].data)).toEqual({ qrcodeId: id, status: 'AUTHORIZED' });

    const noProof = await api.login(ticket);
    expect(noProof.status).toBe(401);
    expect(noProof.body.code).toBe('QR_CREATOR_SECRET_REQUIRED');

    // The app's own route, guarded by QrLoginGuard, redeems with the cookie.
    const session = await request(`${base}/app/qr-session`, { method: 'POST', json: { ticket }, headers: { cookie } });
    expect(session.status).toBe(200);
    expect(session.body).toEqual({ sessionFor: 'u-bob' });
  });

  it('refuses what the state machine forbids, with stable codes', async () => {
    const created = await api.create();
    const id = created.body.qrcodeId;

    const confirmFirst = await api.act(id, 'confirm', asUser('alice'));
    expect(confirmFirst.status).toBe(409);
    expect(confirmFirst.body).toMatchObject({ statusCode: 409, code: 'QR_WRONG_STATE' });
    const cancelFirst = await api.act(id, 'cancel', asUser('alice'));
    expect(cancelFirst.status).toBe(409);

    const noToken = await api.act(id, 'scan');
    expect(noToken.status).toBe(401);
    expect(noToken.body.code).toBe('QR_APP_USER_UNAUTHENTICATED');
    const badToken = await api.act(id, 'scan', { authorization: 'Bearer nobody' });
    expect(badToken.status).toBe(401);

    expect((await api.act(id, 'scan', asUser('alice'))).status).toBe(200);
    const otherScan = await api.act(id, 'scan', asUser('bob'));
    expect(otherScan.status).toBe(409);
    expect(otherScan.body.code).toBe('QR_ALREADY_SCANNED');
    const otherConfirm = await api.act(id, 'confirm', asUser('bob'));
    expect(otherConfirm.status).toBe(403);
    expect(otherConfirm.body.code).toBe('QR_NOT_SCANNER');
    const otherCancel = await api.act(id, 'cancel', asUser('bob'));
    expect(otherCancel.status).toBe(403);

    const cancelled = await api.act(id, 'cancel', asUser('alice'));
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    const afterEnd = await api.act(id, 'confirm', asUser('alice'));
    expect(afterEnd.status).toBe(409);
    expect((await api.status(id)).body.status).toBe('CANCELLED');

    // A well-formed id whose embedded expiry is still ahead, but never issued.
    const neverIssued = newQrCodeId(Date.now() + 60_000);
    const unknown = await api.status(neverIssued);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, code: 'QR_NOT_FOUND' });
    expect((await api.act(neverIssued, 'scan', asUser('alice'))).status).toBe(404);
    expect((await api.act('nope', 'scan', asUser('alice'))).status).toBe(404);
    expect((await request(api.eventsUrl(neverIssued))).status).toBe(404);
    // A well-formed id whose embedded expiry has passed reads as EXPIRED, and refuses actions with 410.
    const longGone = newQrCodeId(Date.now() - 60_000);
    expect((await api.status(longGone)).body).toEqual({ qrcodeId: longGone, status: 'EXPIRED' });
    expect((await api.act(longGone, 'scan', asUser('alice'))).status).toBe(410);
  });

  it('rejects bad tickets with 401 and a code for each case', async () => {
    const missing = await request(`${api.root}/login`, { method: 'POST', json: {} });
    expect(missing.status).toBe(401);
    expect(missing.body.code).toBe('QR_TICKET_MISSING');
    const wrongType = await api.login(12345);
    expect(wrongType.status).toBe(401);
    expect(wrongType.body.code).toBe('QR_TICKET_MISSING');
    const garbage = await api.login('not-a-ticket');
    expect(garbage.status).toBe(401);
    expect(garbage.body.code).toBe('QR_TICKET_INVALID');
    const forged = await api.login(`${'B'.repeat(27)}.${'c'.repeat(43)}`);
    expect(forged.status).toBe(401);
    expect(forged.body.code).toBe('QR_TICKET_INVALID');

    const created = await api.create();
    const id = created.body.qrcodeId;
    await api.act(id, 'scan', asUser('alice'));
    await api.act(id, 'confirm', asUser('alice'));
    const real = (await api.status(id, creatorHeader(created))).body.ticket as string;
    const tampered = `${real.slice(0, -1)}${real.endsWith('A') ? 'B' : 'A'}`;
    const wrong = await api.login(tampered, creatorHeader(created));
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('QR_TICKET_INVALID');
    // The tampered try did not burn the real ticket.
    expect((await api.login(real, creatorHeader(created))).status).toBe(200);
  });

  it('streams PENDING, SCANNED, AUTHORIZED over SSE, then ends', async () => {
    const created = await api.create();
    const id = created.body.qrcodeId;
    const sse = await openSse(api.eventsUrl(id), creatorHeader(created));
    expect(sse.status).toBe(200);
    expect(sse.contentType).toMatch(/^text\/event-stream/);
    await sse.waitForEvents(1);
    await api.act(id, 'scan', asUser('alice'));
    await sse.waitForEvents(2);
    await api.act(id, 'confirm', asUser('alice'));
    await sse.ended;
    expect(statusesOf(sse)).toEqual(['PENDING', 'SCANNED', 'AUTHORIZED']);
    const [pending, scanned, authorized] = sse.events.map((e) => JSON.parse(e.data));
    expect(pending.briefUserInfo).toBeUndefined();
    expect(scanned.briefUserInfo).toEqual({ displayName: 'Alice', photo: 'https://example.test/alice.png' });
    expect(authorized.ticket).toMatch(/^[\w-]{27}\./);
    expect((await api.login(authorized.ticket, creatorHeader(created))).status).toBe(200);
  });

  it('releases the subscription when the client closes the stream', async () => {
    const service = app.get(QrLoginService);
    const before = service.activeWatchCount;
    const created = await api.create();
    const sse = await openSse(api.eventsUrl(created.body.qrcodeId));
    await sse.waitForEvents(1);
    expect(service.activeWatchCount).toBe(before + 1);
    sse.close();
    await eventually(() => service.activeWatchCount === before, 5_000, 'the watch to be released');
  });
});

// Expiry on the module's manual clock: the code's lifetime passes when the test moves the clock.
let expiryClock: ManualClock;

describeMatrix(
  'expiry',
  () => ({ clock: (expiryClock = new ManualClock()), qrCodeTtl: 60, sseHeartbeatInterval: 0.2 }),
  (current) => {
    let api: MatrixApp['api'];
    beforeAll(() => {
      ({ api } = current());
    });

    it('ends an SSE stream with EXPIRED when nobody acts, and refuses actions with 410', async () => {
      const created = await api.create();
      const id = created.body.qrcodeId;
      expect(created.body.expiresIn).toBeGreaterThanOrEqual(60);
      expect(created.body.expiresIn).toBeLessThanOrEqual(61);
      const sse = await openSse(api.eventsUrl(id));
      // The stream's first event is the status when it opened; scan only once it arrived.
      await sse.waitForEvents(1);
      await api.act(id, 'scan', asUser('alice'));
      await sse.waitForEvents(2);
      // Keep-alive comments flow while the stream is idle (they run on real time: nothing to miss, only to wait for).
      await eventually(() => sse.comments > 0, 5_000, 'a keep-alive comment');
      expiryClock.advance(expiryOfQrCodeId(id)! - expiryClock.now() - 1);
      expect((await api.status(id)).body.status).toBe('SCANNED');
      expiryClock.advance(10);
      await sse.ended;
      expect(statusesOf(sse)).toEqual(['PENDING', 'SCANNED', 'EXPIRED']);

      expect((await api.status(id)).body.status).toBe('EXPIRED');
      const late = await api.act(id, 'confirm', asUser('alice'));
      expect(late.status).toBe(410);
      expect(late.body).toMatchObject({ statusCode: 410, code: 'QR_EXPIRED' });
      const lateSse = await openSse(api.eventsUrl(id));
      await lateSse.ended;
      expect(statusesOf(lateSse)).toEqual(['EXPIRED']);
    });
  },
);
