import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Subscription } from 'rxjs';
import { QrLoginService, type QrCodeStatusView } from '../../lib';
import { ADAPTERS, createTestApp } from '../app/test-app';
import { asUser, creatorHeader, nativeClient } from '../support/http';
import { ManualClock } from '../support/manual-clock';
import { eventually } from '../support/sse';
import { STORE_KINDS } from '../support/stores';
import { expiryOfQrCodeId } from '../../lib/kernel/qr-login.ids';
import { RedisQrLoginStore } from '../../lib/stores/redis';
import { startRedisServer, type RedisServer } from '../support/redis-server';

/*
 * Lifetimes on a manual clock: the code's (`qrCodeTtl`), the ticket's
 * (`ticketTtl`) and rotation (`rotateEvery`) are reached by `advance()`, never
 * by waiting, so a loaded machine cannot make these tests pass or fail by luck.
 */

const QR_TTL_S = 120;
const TICKET_TTL_S = 60;
const ROTATE_S = 30;

/** Collects what `service.watch()` emits and whether it completed on its own. */
function record(service: QrLoginService, id: string, secret?: string) {
  const views: QrCodeStatusView[] = [];
  let completed = false;
  let failed: unknown;
  const subscription: Subscription = service
    .watch(id, secret ? { creatorSecrets: [secret] } : undefined)
    .subscribe({ next: (v) => views.push(v), complete: () => (completed = true), error: (e) => (failed = e) });
  return {
    views,
    subscription,
    get completed() {
      return completed;
    },
    get failed() {
      return failed;
    },
  };
}

describe.each(STORE_KINDS)('lifetimes on a manual clock over the $name store', (kind) => {
  beforeAll(() => kind.setup());
  afterAll(() => kind.teardown());

  describe.each(ADAPTERS)('on %s', (adapter) => {
    let clock: ManualClock;
    let app: Awaited<ReturnType<typeof createTestApp>>['app'];
    let api: ReturnType<typeof nativeClient>;
    let service: QrLoginService;
    const open: Subscription[] = [];

    beforeAll(async () => {
      clock = new ManualClock();
      const started = await createTestApp({
        adapter,
        store: kind.make(),
        options: { clock, qrCodeTtl: QR_TTL_S, ticketTtl: TICKET_TTL_S, rotateEvery: ROTATE_S, numberMatching: false },
      });
      app = started.app;
      api = nativeClient(started.url);
      service = app.get(QrLoginService);
    });
    afterEach(() => {
      for (const s of open.splice(0)) s.unsubscribe();
    });
    afterAll(() => app.close());

    async function authorized() {
      const created = await api.create();
      const id: string = created.body.qrcodeId;
      expect((await api.act(id, 'scan', asUser('alice'))).status).toBe(200);
      expect((await api.act(id, 'confirm', asUser('alice'))).status).toBe(200);
      const view = await api.status(id, creatorHeader(created));
      expect(view.body.ticket).toEqual(expect.any(String));
      return { created, id, ticket: view.body.ticket as string };
    }

    it('redeems a ticket one millisecond before its ticketTtl, and refuses it at the ticketTtl with QR_TICKET_EXPIRED', async () => {
      const early = await authorized();
      const late = await authorized();
      clock.advance(TICKET_TTL_S * 1000 - 1);
      expect((await api.login(early.ticket, creatorHeader(early.created))).status).toBe(200);
      clock.advance(1);
      const refused = await api.login(late.ticket, creatorHeader(late.created));
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ statusCode: 401, code: 'QR_TICKET_EXPIRED' });
      // The creator's page no longer gets a ticket it could not use.
      const view = await api.status(late.id, creatorHeader(late.created));
      expect(view.body).toMatchObject({ status: 'AUTHORIZED' });
      expect(view.body.ticket).toBeUndefined();
    });

    it("refuses an expired ticket through the app's own QrLoginGuard route too", async () => {
      const code = await authorized();
      clock.advance(TICKET_TTL_S * 1000);
      const refused = await api.login(code.ticket, creatorHeader(code.created));
      expect(refused.body.code).toBe('QR_TICKET_EXPIRED');
      const root = api.root.replace(/\/qr-login$/, '');
      const guarded = await fetch(`${root}/app/qr-session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...creatorHeader(code.created) },
        body: JSON.stringify({ ticket: code.ticket }),
      });
      expect(guarded.status).toBe(401);
      expect(await guarded.json()).toMatchObject({ code: 'QR_TICKET_EXPIRED' });
    });

    it('reads EXPIRED past qrCodeTtl and answers 410 to every action', async () => {
      const pending = await api.create();
      const scanned = await api.create();
      expect((await api.act(scanned.body.qrcodeId, 'scan', asUser('alice'))).status).toBe(200);
      // Ids carry the expiry in whole seconds, and both codes were made at the same manual time.
      const expiresAt = expiryOfQrCodeId(pending.body.qrcodeId)!;
      expect(expiryOfQrCodeId(scanned.body.qrcodeId)).toBe(expiresAt);
      expect(expiresAt - clock.now()).toBeGreaterThanOrEqual(QR_TTL_S * 1000);
      clock.advance(expiresAt - clock.now() - 1);
      expect((await api.status(pending.body.qrcodeId)).body.status).toBe('PENDING');
      clock.advance(1);
      for (const created of [pending, scanned]) {
        const id = created.body.qrcodeId;
        expect((await api.status(id, creatorHeader(created))).body).toEqual({ qrcodeId: id, status: 'EXPIRED' });
      }
      for (const [id, action] of [
        [pending.body.qrcodeId, 'scan'],
        [scanned.body.qrcodeId, 'confirm'],
        [scanned.body.qrcodeId, 'cancel'],
      ] as const) {
        const reply = await api.act(id, action, asUser('alice'));
        expect(reply.status, action).toBe(410);
        expect(reply.body.code).toBe('QR_EXPIRED');
      }
    });

    it("rotates an unscanned code on the creator's stream at rotateEvery, not before", async () => {
      const created = await api.create();
      const first: string = created.body.qrcodeId;
      const watch = record(service, first, created.body.creatorSecret);
      open.push(watch.subscription);
      await eventually(() => watch.views.length === 1, 5_000, 'the first status');
      clock.advance(ROTATE_S * 1000 - 1);
      expect((await api.status(first)).body.status).toBe('PENDING');
      clock.advance(1);
      await eventually(() => watch.views.length === 2, 5_000, 'the rotation');
      const second = watch.views[1];
      expect(second).toMatchObject({ status: 'PENDING', rotatedFrom: first, payload: second.qrcodeId });
      expect(second.qrcodeId).not.toBe(first);
      // The old code is dead; the new one keeps the chain's expiry.
      expect((await api.act(first, 'scan', asUser('alice'))).status).toBe(410);
      expect(second.expiresIn).toBe(QR_TTL_S - ROTATE_S);
      clock.advance(ROTATE_S * 1000);
      await eventually(() => watch.views.length === 3, 5_000, 'the second rotation');
      expect(watch.views[2].rotatedFrom).toBe(second.qrcodeId);
      expect(watch.completed).toBe(false);
    });

    describe('service.watch() completes on its own after every terminal status', () => {
      it('AUTHORIZED', async () => {
        const created = await api.create();
        const id = created.body.qrcodeId;
        const watch = record(service, id, created.body.creatorSecret);
        open.push(watch.subscription);
        await eventually(() => watch.views.length === 1, 5_000, 'the first status');
        await service.scan(id, { id: 'u-alice', displayName: 'Alice' });
        await service.confirm(id, { id: 'u-alice', displayName: 'Alice' });
        await eventually(() => watch.completed, 5_000, 'the stream to complete');
        expect(watch.views.map((v) => v.status)).toEqual(['PENDING', 'SCANNED', 'AUTHORIZED']);
        expect(watch.views[2].ticket).toEqual(expect.any(String));
      });

      it('CANCELLED', async () => {
        const created = await api.create();
        const id = created.body.qrcodeId;
        const watch = record(service, id);
        open.push(watch.subscription);
        await eventually(() => watch.views.length === 1, 5_000, 'the first status');
        await service.scan(id, { id: 'u-bob', displayName: 'Bob' });
        await service.cancel(id, { id: 'u-bob', displayName: 'Bob' });
        await eventually(() => watch.completed, 5_000, 'the stream to complete');
        expect(watch.views.map((v) => v.status)).toEqual(['PENDING', 'SCANNED', 'CANCELLED']);
      });

      it('CANCELLED by the site (refuse)', async () => {
        const id = (await api.create()).body.qrcodeId;
        const watch = record(service, id);
        open.push(watch.subscription);
        await eventually(() => watch.views.length === 1, 5_000, 'the first status');
        await service.refuse(id, 'POLICY');
        await eventually(() => watch.completed, 5_000, 'the stream to complete');
        expect(watch.views.at(-1)).toMatchObject({ status: 'CANCELLED', cancelReason: 'POLICY' });
      });

      it('EXPIRED by time, with nothing else happening, for a stranger and for the creator (whose code rotates until then)', async () => {
        const t0 = clock.now();
        const strangerCode = await api.create();
        const creatorCode = await api.create();
        const expiresAt = expiryOfQrCodeId(creatorCode.body.qrcodeId)!;
        const stranger = record(service, strangerCode.body.qrcodeId);
        const creator = record(service, creatorCode.body.qrcodeId, creatorCode.body.creatorSecret);
        open.push(stranger.subscription, creator.subscription);
        await eventually(() => stranger.views.length === 1 && creator.views.length === 1, 5_000, 'the first statuses');
        // Each rotation is awaited before the clock moves on, as real time would let it finish.
        let rotations = 0;
        for (let at = t0 + ROTATE_S * 1000; at < expiresAt; at += ROTATE_S * 1000) {
          clock.advance(at - clock.now());
          rotations++;
          await eventually(() => creator.views.length === rotations + 1, 5_000, `rotation ${rotations}`);
        }
        expect(rotations).toBeGreaterThanOrEqual(3);
        expect(stranger.completed || creator.completed).toBe(false);
        clock.advance(expiresAt - clock.now() + 10);
        await eventually(() => stranger.completed && creator.completed, 5_000, 'both streams to complete');
        expect(stranger.views.map((v) => v.status)).toEqual(['PENDING', 'EXPIRED']);
        expect(creator.views.map((v) => v.status)).toEqual([...Array(rotations + 1).fill('PENDING'), 'EXPIRED']);
        expect(stranger.failed ?? creator.failed).toBeUndefined();
      });

      it('EXPIRED at once for a code whose lifetime passed before the stream opened', async () => {
        const created = await api.create();
        clock.advance(expiryOfQrCodeId(created.body.qrcodeId)! - clock.now());
        const watch = record(service, created.body.qrcodeId);
        open.push(watch.subscription);
        await eventually(() => watch.completed, 5_000, 'the stream to complete');
        expect(watch.views.map((v) => v.status)).toEqual(['EXPIRED']);
      });
    });
  });
});

/*
 * ERROR needs a store that fails: a real redis-server of this test's own,
 * stopped while the stream is open. (The memory store cannot fail this way.)
 */
describe('service.watch() completes on its own after ERROR (Redis goes away)', () => {
  let redis: RedisServer;
  let app: Awaited<ReturnType<typeof createTestApp>>['app'];

  beforeAll(async () => {
    redis = await startRedisServer();
    ({ app } = await createTestApp({
      adapter: 'express',
      store: new RedisQrLoginStore({ url: redis.url }),
      options: { clock: new ManualClock() },
    }));
  });
  afterAll(async () => {
    await app.close();
    await redis.stop();
  });

  it('emits one ERROR with QR_STORE_UNAVAILABLE, then completes', async () => {
    const service = app.get(QrLoginService);
    const created = await service.create();
    const watch = record(service, created.qrcodeId, created.creatorSecret);
    await eventually(() => watch.views.length === 1, 5_000, 'the first status');
    await redis.stop();
    await eventually(() => watch.completed, 20_000, 'the stream to complete');
    expect(watch.views.map((v) => v.status)).toEqual(['PENDING', 'ERROR']);
    expect(watch.views[1]).toMatchObject({ code: 'QR_STORE_UNAVAILABLE', message: expect.any(String) });
    expect(watch.failed).toBeUndefined();
    expect(service.activeWatchCount).toBe(0);
  });
});
