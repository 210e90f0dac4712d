import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QrLoginService, type QrLoginClock, type QrLoginEvent } from '../../lib';
import { ADAPTERS } from '../app/test-app';
import { creatorHeader, nativeClient } from '../support/http';
import { eventually, openSse, statusesOf } from '../support/sse';
import { STORE_KINDS } from '../support/stores';
import type { FakeWechatServer } from './fake-wechat.server';
import { OA, OA_AES, createWechatTestApp, startFakeWechat } from './wechat-test-app';

/** The system time plus a manual offset; timers fire when `advance` passes them. */
class OffsetClock implements QrLoginClock {
  private offset = 0;
  private timers = new Set<{ at: number; run: () => void }>();
  now = () => Date.now() + this.offset;
  setTimeout = (run: () => void, ms: number) => {
    const timer = { at: this.now() + ms, run };
    this.timers.add(timer);
    return timer;
  };
  clearTimeout = (timer: unknown) => void this.timers.delete(timer as { at: number; run: () => void });
  advance(ms: number): void {
    this.offset += ms;
    for (const timer of [...this.timers]) {
      if (timer.at <= this.now()) {
        this.timers.delete(timer);
        timer.run();
      }
    }
  }
}

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const encrypt = OA_AES;

describe.each(STORE_KINDS)('WeChat push security over the $name store', (kind) => {
  beforeAll(() => kind.setup());
  afterAll(() => kind.teardown());

  describe.each(ADAPTERS)('on %s', (adapter) => {
    let fake: FakeWechatServer;
    let app: INestApplication;
    let second: INestApplication | undefined;
    let secondHook = '';
    let api: ReturnType<typeof nativeClient>;
    let webhook: string;
    const clock = new OffsetClock();
    const events: QrLoginEvent[] = [];
    const pushMemoryTtls: number[] = [];

    beforeAll(async () => {
      fake = await startFakeWechat();
      const store = kind.make();
      // The store's own lifetime for each remembered push, as the module asked for it.
      const remember = store.rememberOnce.bind(store);
      store.rememberOnce = (key, ttlMs) => {
        if (key.startsWith('wechat-push:')) pushMemoryTtls.push(ttlMs);
        return remember(key, ttlMs);
      };
      const started = await createWechatTestApp({
        adapter,
        fake,
        core: { store, clock },
        wechat: { confirmationTimeout: 30 },
      });
      app = started.app;
      app.get(QrLoginService).events$.subscribe((event) => events.push(event));
      api = nativeClient(started.url);
      webhook = `${started.url}/qr-login/wechat/official-account/oa/events`;
      if (kind.name !== 'memory') {
        const other = await createWechatTestApp({ adapter, fake, core: { store: kind.make() } });
        second = other.app;
        secondHook = `${other.url}/qr-login/wechat/official-account/oa/events`;
      }
    });
    afterAll(async () => {
      await second?.close();
      await app?.close();
      await fake?.stop();
    });

    const create = async (json: Record<string, unknown> = {}) => {
      const created = await api.create({ type: 'WECHAT_OFFICIAL_ACCOUNT', ...json }, { 'user-agent': CHROME });
      expect(created.status).toBe(201);
      return created;
    };
    const status = async (id: string) => (await api.status(id)).body.status;
    const refusedCodes = (from: number) =>
      events
        .slice(from)
        .filter((e) => e.type === 'refused' && e.action === 'PUSH')
        .map((e) => e.code);

    it('by default asks on the phone: SCAN answers who is asking, the reply OK confirms; the page sees SCANNED then AUTHORIZED', async () => {
      const created = await create();
      const id = created.body.qrcodeId;
      const stream = await openSse(api.eventsUrl(id), creatorHeader(created));
      await stream.waitForEvents(1);
      const scanned = await fake.push(webhook, {
        token: OA.token,
        openid: 'o-alice',
        event: 'SCAN',
        eventKey: id,
        encrypt,
      });
      expect(scanned.status).toBe(200);
      expect(scanned.contentType).toMatch(/xml/);
      const prompt = fake.readReply(scanned.body, OA.token, encrypt)!;
      expect(prompt).toMatchObject({ ToUserName: 'o-alice', FromUserName: OA.originalId, MsgType: 'text' });
      expect(prompt.Content).toContain('Fixture Web');
      expect(prompt.Content).toContain('Chrome 120 on Windows');
      expect(prompt.Content).toContain('IP 127.0.0.1');
      expect(prompt.Content).toContain('reply OK');
      expect(await status(id)).toBe('SCANNED');

      const confirmed = await fake.push(webhook, {
        token: OA.token,
        openid: 'o-alice',
        msgType: 'text',
        content: 'OK',
        encrypt,
      });
      expect(fake.readReply(confirmed.body, OA.token, encrypt)!.Content).toMatch(/logged in to Fixture Web/);
      await stream.waitForEvents(3);
      expect(statusesOf(stream)).toEqual(['PENDING', 'SCANNED', 'AUTHORIZED']);
      const ticket = (await api.status(id, creatorHeader(created))).body.ticket;
      expect((await api.login(ticket, creatorHeader(created))).body.user.id).toBe('wx-o-alice');
    });

    it('cancels on any other reply, and at the confirmation timeout (kernel clock)', async () => {
      const first = await create();
      await fake.push(webhook, {
        token: OA.token,
        openid: 'o-bob',
        event: 'SCAN',
        eventKey: first.body.qrcodeId,
        encrypt,
      });
      const other = await fake.push(webhook, {
        token: OA.token,
        openid: 'o-bob',
        msgType: 'text',
        content: 'what is this?',
        encrypt,
      });
      expect(fake.readReply(other.body, OA.token, encrypt)!.Content).toMatch(/cancelled/);
      expect((await api.status(first.body.qrcodeId)).body).toMatchObject({
        status: 'CANCELLED',
        cancelReason: 'WECHAT_NOT_CONFIRMED',
      });

      const second = await create();
      await fake.push(webhook, {
        token: OA.token,
        openid: 'o-bob',
        event: 'SCAN',
        eventKey: second.body.qrcodeId,
        encrypt,
      });
      expect(await status(second.body.qrcodeId)).toBe('SCANNED');
      clock.advance(31_000);
      await eventually(
        async () => (await status(second.body.qrcodeId)) === 'CANCELLED',
        5_000,
        'the timeout to cancel',
      );
      const late = await fake.push(webhook, {
        token: OA.token,
        openid: 'o-bob',
        msgType: 'text',
        content: 'OK',
        encrypt,
      });
      expect(late.body).toBe('success');
      expect(await status(second.body.qrcodeId)).toBe('CANCELLED');
    });

    it('still logs in on scan with the loginOnScan opt-in', async () => {
      const created = await create({ extIdpConnId: 'oa-scan' });
      const pushed = await fake.push(webhook.replace('/oa/', '/oa-scan/'), {
        token: OA.token,
        openid: 'o-carol',
        event: 'SCAN',
        eventKey: created.body.qrcodeId,
        encrypt,
      });
      expect(pushed.body).toBe('success');
      expect(await status(created.body.qrcodeId)).toBe('AUTHORIZED');
    });

    it('refuses a replayed push, a stale one, plaintext, a forged body, another addressee and bad padding; no code changes', async () => {
      const created = await create();
      const id = created.body.qrcodeId;
      const from = events.length;
      const scan = { token: OA.token, openid: 'o-victim', event: 'SCAN', eventKey: id, encrypt };

      // A push as an attacker would have logged it: replayed (same timestamp and nonce) with a body naming the attacker's code.
      const logged = await fake.push(webhook, { ...scan, eventKey: 'campaign-1' });
      expect(logged.status).toBe(200);
      const replay = await fake.send(webhook, logged.query, logged.sentBody);
      expect(replay.status).toBe(401);
      expect(JSON.parse(replay.body).code).toBe('QR_WECHAT_PUSH_REPLAYED');
      if (second) {
        const elsewhere = await fake.send(secondHook, logged.query, logged.sentBody);
        expect(elsewhere.status).toBe(401);
        expect(JSON.parse(elsewhere.body).code).toBe('QR_WECHAT_PUSH_REPLAYED');
      }
      // Replay memory is per token: another connection sharing OA's token (here one that logs in on scan)
      // refuses the same push, on this instance and on the other one.
      const sibling = await fake.send(webhook.replace('/oa/', '/oa-scan/'), logged.query, logged.sentBody);
      expect([sibling.status, JSON.parse(sibling.body).code]).toEqual([401, 'QR_WECHAT_PUSH_REPLAYED']);
      if (second) {
        const siblingElsewhere = await fake.send(
          secondHook.replace('/oa/', '/oa-scan/'),
          logged.query,
          logged.sentBody,
        );
        expect([siblingElsewhere.status, JSON.parse(siblingElsewhere.body).code]).toEqual([
          401,
          'QR_WECHAT_PUSH_REPLAYED',
        ]);
      }
      const stale = await fake.push(webhook, { ...scan, timestamp: String(Math.floor(clock.now() / 1000) - 301) });
      expect([stale.status, JSON.parse(stale.body).code]).toEqual([401, 'QR_WECHAT_PUSH_STALE']);
      const future = await fake.push(webhook, { ...scan, timestamp: String(Math.floor(clock.now() / 1000) + 400) });
      expect([future.status, JSON.parse(future.body).code]).toEqual([401, 'QR_WECHAT_PUSH_STALE']);

      // A plaintext body under a valid plain signature: refused with or without encrypt_type.
      const { encrypt: _no, ...plain } = scan;
      const plaintext = await fake.push(webhook, plain);
      expect([plaintext.status, JSON.parse(plaintext.body).code]).toEqual([400, 'QR_WECHAT_PLAINTEXT_REFUSED']);
      const forged = await fake.send(
        webhook,
        plaintext.query.replace(/&?signature=/, '&encrypt_type=aes&signature='),
        `<xml><ToUserName>${OA.originalId}</ToUserName><FromUserName>o-victim</FromUserName><MsgType>event</MsgType><Event>SCAN</Event><EventKey>${id}</EventKey></xml>`,
      );
      expect(forged.status).toBe(400);
      const noType = await fake.push(webhook, { ...scan, omitEncryptType: true, tamper: 'msg_signature' });
      expect(noType.status).toBe(401);
      const elsewhere = await fake.push(webhook, { ...scan, toUserName: 'gh_another0acct' });
      expect([elsewhere.status, JSON.parse(elsewhere.body).code]).toEqual([400, 'QR_WECHAT_WRONG_ACCOUNT']);
      const padding = await fake.push(webhook, { ...scan, badPadding: true });
      expect([padding.status, JSON.parse(padding.body).code]).toEqual([400, 'QR_WECHAT_WEBHOOK_BODY_INVALID']);

      expect(await status(id)).toBe('PENDING');
      expect(refusedCodes(from)).toEqual(
        expect.arrayContaining([
          'QR_WECHAT_PUSH_REPLAYED',
          'QR_WECHAT_PUSH_STALE',
          'QR_WECHAT_PLAINTEXT_REFUSED',
          'QR_WECHAT_WRONG_ACCOUNT',
          'QR_WECHAT_WEBHOOK_BODY_INVALID',
        ]),
      );
      expect(
        events.slice(from).some((e) => e.type === 'accepted' && e.action === 'PUSH' && e.source === 'wechat:oa'),
      ).toBe(true);
    });

    // Last in this block: it moves the shared clock on by minutes.
    it('remembers a push for as long as its timestamp stays inside the window: replays 200 s and 450 s later are refused', async () => {
      const stampedAhead = Math.floor(clock.now() / 1000) + 250;
      const receivedAt = clock.now();
      const push = { token: OA.token, openid: 'o-victim', event: 'SCAN', eventKey: 'campaign-2', encrypt };
      const logged = await fake.push(webhook, { ...push, timestamp: String(stampedAhead) });
      expect(logged.status).toBe(200);
      // The same query is accepted by the window until its timestamp is 300 s behind the clock, so the store
      // must keep the push at least that long from when it arrived.
      expect(pushMemoryTtls.at(-1)).toBeGreaterThanOrEqual(stampedAhead * 1000 + 300_000 - receivedAt);

      clock.advance(200_000);
      const replay = await fake.send(webhook, logged.query, logged.sentBody);
      expect([replay.status, JSON.parse(replay.body).code]).toEqual([401, 'QR_WECHAT_PUSH_REPLAYED']);
      clock.advance(250_000);
      const later = await fake.send(webhook, logged.query, logged.sentBody);
      expect([later.status, JSON.parse(later.body).code]).toEqual([401, 'QR_WECHAT_PUSH_REPLAYED']);
    });
  });
});
