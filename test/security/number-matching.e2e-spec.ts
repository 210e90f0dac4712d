import { beforeAll, expect, it } from 'vitest';
import { asUser, creatorHeader, request } from '../support/http';
import { openSse, statusesOf } from '../support/sse';
import { describeMatrix, type MatrixApp } from '../support/matrix';

describeMatrix('number matching', { numberMatching: true }, (current) => {
  let api: MatrixApp['api'];
  beforeAll(() => {
    ({ api } = current());
  });

  const confirmWith = (id: string, matchCode?: string) =>
    request(`${api.root}/qrcodes/${id}/confirm`, {
      method: 'POST',
      headers: asUser('alice'),
      json: matchCode === undefined ? {} : { matchCode },
    });

  it('shows the number to the page, offers it among choices on the phone, and confirms with it', async () => {
    const created = await api.create();
    const id = created.body.qrcodeId;
    const matchCode: string = created.body.matchCode;
    expect(matchCode).toMatch(/^\d{2}$/);
    expect((await api.status(id, creatorHeader(created))).body.matchCode).toBe(matchCode);
    expect((await api.status(id)).body).not.toHaveProperty('matchCode');

    const scanned = await api.act(id, 'scan', asUser('alice'));
    expect(scanned.body.matchChoices).toHaveLength(3);
    expect(new Set(scanned.body.matchChoices).size).toBe(3);
    expect(scanned.body.matchChoices).toContain(matchCode);

    const missing = await confirmWith(id);
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('QR_MATCH_REQUIRED');
    expect((await api.status(id)).body.status).toBe('SCANNED');

    const confirmed = await confirmWith(id, matchCode);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('AUTHORIZED');
  });

  it('cancels the code on a wrong pick, and the page hears why', async () => {
    const created = await api.create();
    const id = created.body.qrcodeId;
    const sse = await openSse(api.eventsUrl(id), creatorHeader(created));
    // Act only once the page has seen each state: the stream's first event is the status when it opened,
    // and a change made before it arrives would be folded into that first event.
    await sse.waitForEvents(1);
    const scanned = await api.act(id, 'scan', asUser('alice'));
    expect(scanned.status).toBe(200);
    await sse.waitForEvents(2);
    const wrong = (scanned.body.matchChoices as string[]).find((c) => c !== created.body.matchCode)!;
    const refused = await confirmWith(id, wrong);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('QR_MATCH_FAILED');
    await sse.ended;
    expect(statusesOf(sse)).toEqual(['PENDING', 'SCANNED', 'CANCELLED']);
    expect(JSON.parse(sse.events[2].data).cancelReason).toBe('MATCH_FAILED');
    // No second chance with the right number.
    const late = await confirmWith(id, created.body.matchCode);
    expect(late.status).toBe(409);
    expect((await api.status(id)).body).toMatchObject({ status: 'CANCELLED', cancelReason: 'MATCH_FAILED' });
  });
});
