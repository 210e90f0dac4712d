import { expect, it } from 'vitest';
import { QrLoginService } from '../../lib';
import { expiryOfQrCodeId } from '../../lib/kernel/qr-login.ids';
import { QR_LOGIN_ATTRIBUTES as A, QR_LOGIN_METRICS as M, hashOfCodeId } from '../../lib/telemetry';
import { asUser, creatorHeader, request } from '../support/http';
import { requestDeviceToken, startDeviceAuthorization } from '../support/device-grant';
import { eventually } from '../support/sse';
import { actionSpansOf, countOf, describeTelemetry, everythingRecorded, histogramOf, pointsOf } from './telemetry-app';

/**
 * The telemetry module over every store and both adapters, read through the
 * OpenTelemetry SDK's in-memory reader and span exporter: the counters,
 * durations (on the manual clock), gauges and spans of a whole login, of
 * refusals and of a device flow, and never a secret in what was recorded.
 */
describeTelemetry('telemetry', (cell, _adapter, kind) => {
  const { clock, sink } = cell;
  /** Every secret the tests saw, to prove none of them was recorded. */
  const secrets: string[] = ['token-alice', 'token-bob'];
  const store = { [A.store]: kind.name };
  /** The spans of the actions that change the code `hash` (every action but a status read), in order. */
  const changesOf = (hash: string) => actionSpansOf(sink, hash).filter((span) => span.name !== 'qr_login.poll');

  it('records a whole login: created, scanned, approved, redeemed, with the time of each step in seconds', async () => {
    const before = await sink.collect();
    const created = await cell.api.create();
    const id = created.body.qrcodeId as string;
    clock.advance(3_000);
    expect((await cell.api.act(id, 'scan', asUser('alice'))).status).toBe(200);
    clock.advance(2_000);
    expect((await cell.api.act(id, 'confirm', asUser('alice'))).status).toBe(200);
    clock.advance(1_000);
    const ticket = (await cell.api.status(id, creatorHeader(created))).body.ticket as string;
    const login = await cell.api.login(ticket, creatorHeader(created));
    expect(login.status).toBe(200);
    secrets.push(id, ticket, created.body.creatorSecret, login.body.access_token);

    const after = await sink.collect();
    const qr = { ...store, [A.flow]: 'qr' };
    const delta = (name: string, attributes: Record<string, string>) =>
      countOf(after, name, attributes) - countOf(before, name, attributes);
    expect(delta(M.codesCreated, qr)).toBe(1);
    for (const transition of ['scanned', 'authorized', 'redeemed'])
      expect(delta(M.transitions, { ...qr, [A.transition]: transition }), transition).toBe(1);
    expect(delta(M.refusals, qr)).toBe(0);

    const step = (name: string) => {
      const [now, then] = [histogramOf(after, name, qr), histogramOf(before, name, qr)];
      return { count: now.count - then.count, sum: Math.round((now.sum - then.sum) * 1000) / 1000 };
    };
    expect(step(M.scanDuration)).toEqual({ count: 1, sum: 3 });
    expect(step(M.approvalDuration)).toEqual({ count: 1, sum: 2 });
    expect(step(M.redeemDuration)).toEqual({ count: 1, sum: 1 });

    // The phone's and the page's actions (status reads and store calls have their spans too: spans.e2e-spec.ts).
    const spans = changesOf(hashOfCodeId(id));
    expect(spans.map((span) => span.name)).toEqual([
      'qr_login.create',
      'qr_login.scan',
      'qr_login.confirm',
      'qr_login.redeem',
    ]);
    expect(spans.every((span) => span.attributes[A.flow] === 'qr' && span.attributes[A.store] === kind.name)).toBe(
      true,
    );
  });

  it('counts refusals by action and stable error code, with the flow of the code refused, and reports expiry', async () => {
    const before = await sink.collect();
    const created = await cell.api.create();
    const id = created.body.qrcodeId as string;
    secrets.push(id, created.body.creatorSecret);
    expect((await cell.api.act(id, 'scan', asUser('alice'))).status).toBe(200);
    const wrongUser = await cell.api.act(id, 'confirm', asUser('bob'));
    expect(wrongUser.status).toBe(403);
    const late = await cell.api.create();
    const lateId = late.body.qrcodeId as string;
    secrets.push(lateId, late.body.creatorSecret);
    // Past the code's own expiry (whole seconds, so up to 61 s away) and past the check's few milliseconds after it.
    clock.advance(expiryOfQrCodeId(lateId)! - clock.now() + 1_000);
    const expired = await cell.api.act(lateId, 'scan', asUser('alice'));
    expect(expired.status).toBeGreaterThanOrEqual(400);

    const qr = { ...store, [A.flow]: 'qr' };
    const delta = async (name: string, attributes: Record<string, string>) =>
      countOf(await sink.collect(), name, attributes) - countOf(before, name, attributes);
    expect(
      await delta(M.refusals, { ...qr, [A.action]: 'CONFIRM', [A.errorType]: wrongUser.body.code as string }),
    ).toBe(1);
    expect(wrongUser.body.code).toBe('QR_NOT_SCANNER');
    expect(await delta(M.refusals, { ...qr, [A.action]: 'SCAN', [A.errorType]: expired.body.code as string })).toBe(1);
    // Both codes outlived their lifetime on the clock: each is reported expired once.
    await eventually(
      async () => (await delta(M.transitions, { ...qr, [A.transition]: 'expired' })) >= 2,
      15_000,
      'the expired transitions',
    );
    const refusal = sink.spans
      .getFinishedSpans()
      .find((span) => span.name === 'qr_login.confirm' && span.attributes[A.codeHash] === hashOfCodeId(id));
    expect(refusal?.attributes[A.errorType]).toBe('QR_NOT_SCANNER');
    expect(refusal?.status.code).toBe(2);
  });

  it('records a device flow under its own flow, a refusal of its approval among them', async () => {
    const before = await sink.collect();
    const started = await startDeviceAuthorization(cell.url);
    expect(started.status).toBe(200);
    const { device_code: deviceCode, user_code: userCode } = started.body as Record<string, string>;
    const id = (await cell.app.get(QrLoginService).resolveUserCode(userCode)) as string;
    const phone = (path: string, user: 'alice' | 'bob' = 'alice') =>
      request(`${cell.url}/qr-login/${path}`, { method: 'POST', json: { userCode }, headers: asUser(user) });
    clock.advance(4_000);
    expect((await phone('user-codes/scan')).status).toBe(200);
    // Only the user who scanned may approve: Bob is refused, under the device flow.
    expect((await phone('user-codes/confirm', 'bob')).status).toBe(403);
    clock.advance(1_500);
    expect((await phone('user-codes/confirm')).status).toBe(200);
    const poll = () => {
      clock.advance(2_000);
      return requestDeviceToken(cell.url, deviceCode);
    };
    const token = await poll();
    expect(token.status).toBe(200);
    expect((await poll()).status).toBe(400);
    secrets.push(id, deviceCode, userCode, token.body.access_token);

    const after = await sink.collect();
    const device = { ...store, [A.flow]: 'device' };
    const delta = (name: string, attributes: Record<string, string>) =>
      countOf(after, name, attributes) - countOf(before, name, attributes);
    expect(delta(M.codesCreated, device)).toBe(1);
    expect(delta(M.codesCreated, { ...store, [A.flow]: 'qr' })).toBe(0);
    for (const transition of ['scanned', 'authorized', 'redeemed'])
      expect(delta(M.transitions, { ...device, [A.transition]: transition }), transition).toBe(1);
    expect(delta(M.refusals, { ...device, [A.action]: 'CONFIRM', [A.errorType]: 'QR_NOT_SCANNER' })).toBe(1);
    expect(delta(M.refusals, { ...store, [A.flow]: 'qr' })).toBe(0);
    const scan = histogramOf(after, M.scanDuration, device).sum - histogramOf(before, M.scanDuration, device).sum;
    expect(scan).toBeCloseTo(4, 3);
    const spans = changesOf(hashOfCodeId(id));
    expect(spans.map((span) => span.name)).toEqual([
      'qr_login.create',
      'qr_login.scan',
      'qr_login.confirm',
      'qr_login.confirm',
      'qr_login.redeem',
    ]);
    expect(spans[2].status.code).toBe(2);
    expect(spans[3].status.code).not.toBe(2);
  });

  it('observes open streams, and live codes where the store can tell', async () => {
    const metrics = await sink.collect();
    expect(pointsOf(metrics, M.streamsOpen, store).map((point) => point.value)).toEqual([
      cell.app.get(QrLoginService).activeWatchCount,
    ]);
    const live = pointsOf(metrics, M.codesLive, store);
    if (kind.name === 'memory') expect(live.map((point) => point.value)).toEqual([expect.any(Number)]);
    else expect(live).toEqual([]);
    if (kind.name === 'memory') expect(live[0].value).toBeGreaterThan(0);
  });

  it('records no id, ticket, creator secret, user code, device code or token in any attribute or span', async () => {
    expect(secrets.length).toBeGreaterThan(10);
    const recorded = everythingRecorded(await sink.collect(), sink);
    expect(recorded).toContain(A.flow);
    for (const secret of secrets) {
      expect(typeof secret === 'string' && secret.length > 5, String(secret)).toBe(true);
      expect(recorded).not.toContain(secret);
    }
  });
});
