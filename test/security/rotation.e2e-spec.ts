import { beforeAll, expect, it } from 'vitest';
import { asUser, creatorHeader } from '../support/http';
import { ManualClock } from '../support/manual-clock';
import { openSse, statusesOf, type SseReader } from '../support/sse';
import { describeMatrix, type MatrixApp } from '../support/matrix';

// Rotation on the module's manual clock: a rotation happens when the test moves the clock, never by luck.
const ROTATE_S = 20;
let clock: ManualClock;
const rotate = () => clock.advance(ROTATE_S * 1000);

describeMatrix(
  'rotation',
  () => ({ clock: (clock = new ManualClock()), rotateEvery: ROTATE_S, qrCodeTtl: 120 }),
  (current) => {
    let api: MatrixApp['api'];
    beforeAll(() => {
      ({ api } = current());
    });

    /** A creator's stream on a new code, past its first event: rotations of it show that a rotation ran. */
    async function rotatingWitness(): Promise<SseReader> {
      const created = await api.create();
      const sse = await openSse(api.eventsUrl(created.body.qrcodeId), creatorHeader(created));
      await sse.waitForEvents(1);
      return sse;
    }

    it("replaces an unscanned code on the creator's stream; the old code is dead, the new one logs in", async () => {
      const created = await api.create();
      const first = created.body.qrcodeId;
      const sse = await openSse(api.eventsUrl(first), creatorHeader(created));
      await sse.waitForEvents(1);
      clock.advance(ROTATE_S * 1000 - 1);
      expect((await api.status(first)).body.status).toBe('PENDING');
      clock.advance(1);
      await sse.waitForEvents(2);
      rotate();
      const [, second, third] = (await sse.waitForEvents(3)).map((e) => JSON.parse(e.data));
      expect(second).toMatchObject({ status: 'PENDING', rotatedFrom: first });
      expect(second.qrcodeId).not.toBe(first);
      expect(second.payload).toBe(second.qrcodeId);
      expect(second.url).toMatch(/^data:image\/svg\+xml;base64,/);
      expect(third.rotatedFrom).toBe(second.qrcodeId);
      // The chain keeps the first code's expiry.
      expect(second.expiresIn).toBe(created.body.expiresIn - ROTATE_S);
      expect(third.expiresIn).toBe(created.body.expiresIn - 2 * ROTATE_S);

      // A photo of an old code is useless.
      const stale = await api.act(first, 'scan', asUser('alice'));
      expect(stale.status).toBe(410);
      expect((await api.status(first)).body.status).toBe('EXPIRED');

      // The current one works, the stream follows it to the end, and its ticket redeems with the same creator proof.
      const latest = third.qrcodeId;
      expect((await api.act(latest, 'scan', asUser('alice'))).status).toBe(200);
      expect((await api.act(latest, 'confirm', asUser('alice'))).status).toBe(200);
      await sse.ended;
      const last = JSON.parse(sse.events[sse.events.length - 1].data);
      expect(last).toMatchObject({ qrcodeId: latest, status: 'AUTHORIZED', ticket: expect.any(String) });
      expect(statusesOf(sse).slice(-2)).toEqual(['SCANNED', 'AUTHORIZED']);
      expect((await api.login(last.ticket, creatorHeader(created))).status).toBe(200);
    });

    it("ends a stranger's stream at rotation without handing it the new code", async () => {
      const created = await api.create();
      const id = created.body.qrcodeId;
      const stranger = await openSse(api.eventsUrl(id));
      await stranger.waitForEvents(1);
      const creator = await openSse(api.eventsUrl(id), creatorHeader(created));
      await creator.waitForEvents(1);
      rotate();
      await creator.waitForEvents(2);
      await stranger.ended;
      expect(statusesOf(stranger)).toEqual(['PENDING', 'EXPIRED']);
      expect(stranger.events.some((e) => 'url' in JSON.parse(e.data) || 'rotatedFrom' in JSON.parse(e.data))).toBe(
        false,
      );
      creator.close();
    });

    it("does not rotate on a stranger's stream alone", async () => {
      const created = await api.create();
      const id = created.body.qrcodeId;
      const stranger = await openSse(api.eventsUrl(id));
      await stranger.waitForEvents(1);
      const witness = await rotatingWitness();
      rotate();
      // The witness's rotation ran at the same tick, so a rotation of the stranger's code would have run too.
      await witness.waitForEvents(2);
      expect((await api.status(id)).body.status).toBe('PENDING');
      expect(statusesOf(stranger)).toEqual(['PENDING']);
      stranger.close();
      witness.close();
    });

    it('stops rotating once the code is scanned', async () => {
      const created = await api.create();
      const id = created.body.qrcodeId;
      const sse = await openSse(api.eventsUrl(id), creatorHeader(created));
      await sse.waitForEvents(1);
      await api.act(id, 'scan', asUser('bob'));
      await sse.waitForEvents(2);
      const witness = await rotatingWitness();
      rotate();
      await witness.waitForEvents(2);
      expect(statusesOf(sse)).toEqual(['PENDING', 'SCANNED']);
      expect(sse.events.every((e) => JSON.parse(e.data).qrcodeId === id)).toBe(true);
      expect((await api.status(id, creatorHeader(created))).body.status).toBe('SCANNED');
      sse.close();
      witness.close();
    });
  },
);
