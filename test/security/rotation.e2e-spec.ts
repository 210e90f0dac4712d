import { beforeAll, expect, it } from 'vitest';
import { asUser, creatorHeader } from '../support/http';
import { openSse, statusesOf } from '../support/sse';
import { describeMatrix, type MatrixApp } from '../support/matrix';

describeMatrix('rotation', { rotateEvery: 0.4, qrCodeTtl: 30 }, (current) => {
  let api: MatrixApp['api'];
  beforeAll(() => {
    ({ api } = current());
  });

  it("replaces an unscanned code on the creator's stream; the old code is dead, the new one logs in", async () => {
    const created = await api.create();
    const first = created.body.qrcodeId;
    const sse = await openSse(api.eventsUrl(first), creatorHeader(created));
    const [, second, third] = (await sse.waitForEvents(3)).map((e) => JSON.parse(e.data));
    expect(second).toMatchObject({ status: 'PENDING', rotatedFrom: first });
    expect(second.qrcodeId).not.toBe(first);
    expect(second.payload).toBe(second.qrcodeId);
    expect(second.url).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(third.rotatedFrom).toBe(second.qrcodeId);
    // The chain keeps the first code's expiry.
    expect(third.expiresIn).toBeLessThanOrEqual(created.body.expiresIn);

    // A photo of an old code is useless.
    const stale = await api.act(first, 'scan', asUser('alice'));
    expect(stale.status).toBe(410);
    expect((await api.status(first)).body.status).toBe('EXPIRED');

    // The current one works, the stream follows it to the end, and its ticket redeems with the same creator proof.
    const current = JSON.parse(sse.events[sse.events.length - 1].data).qrcodeId;
    expect((await api.act(current, 'scan', asUser('alice'))).status).toBe(200);
    expect((await api.act(current, 'confirm', asUser('alice'))).status).toBe(200);
    await sse.ended;
    const last = JSON.parse(sse.events[sse.events.length - 1].data);
    expect(last).toMatchObject({ qrcodeId: current, status: 'AUTHORIZED', ticket: expect.any(String) });
    expect(statusesOf(sse).slice(-2)).toEqual(['SCANNED', 'AUTHORIZED']);
    expect((await api.login(last.ticket, creatorHeader(created))).status).toBe(200);
  });

  it("ends a stranger's stream at rotation without handing it the new code", async () => {
    const created = await api.create();
    const id = created.body.qrcodeId;
    const stranger = await openSse(api.eventsUrl(id));
    await stranger.waitForEvents(1);
    const creator = await openSse(api.eventsUrl(id), creatorHeader(created));
    await creator.waitForEvents(2);
    await stranger.ended;
    expect(statusesOf(stranger)).toEqual(['PENDING', 'EXPIRED']);
    expect(stranger.events.some((e) => 'url' in JSON.parse(e.data) || 'rotatedFrom' in JSON.parse(e.data))).toBe(false);
    creator.close();
  });

  it("does not rotate on a stranger's stream alone", async () => {
    const created = await api.create();
    const id = created.body.qrcodeId;
    const stranger = await openSse(api.eventsUrl(id));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(statusesOf(stranger)).toEqual(['PENDING']);
    expect((await api.status(id)).body.status).toBe('PENDING');
    stranger.close();
  });

  it('stops rotating once the code is scanned', async () => {
    const created = await api.create();
    const id = created.body.qrcodeId;
    const sse = await openSse(api.eventsUrl(id), creatorHeader(created));
    await sse.waitForEvents(1);
    await api.act(id, 'scan', asUser('bob'));
    await sse.waitForEvents(2);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(statusesOf(sse)).toEqual(['PENDING', 'SCANNED']);
    expect(sse.events.every((e) => JSON.parse(e.data).qrcodeId === id)).toBe(true);
    sse.close();
  });
});
