import { beforeAll, expect, it } from 'vitest';
import { QrLoginService } from '../../lib';
import { QrLoginSseHub } from '../../lib/plugin';
import { asUser, creatorHeader } from '../support/http';
import { eventually, openSse } from '../support/sse';
import { describeMatrix, type MatrixApp } from '../support/matrix';

/**
 * The event-stream hub: streams of the same code and proof share one kernel
 * watch, a stream that joins late still gets the current status first, and
 * a reader with another proof gets its own view.
 */
describeMatrix('event-stream hub', {}, (current) => {
  let app: MatrixApp;
  beforeAll(() => {
    app = current();
  });

  it('shares one watch between streams of the same code and proof, and gives a late stream the current status first', async () => {
    const service = app.app.get(QrLoginService);
    const hub = app.app.get(QrLoginSseHub);
    const before = service.activeWatchCount;
    const created = await app.api.create();
    const id = created.body.qrcodeId;
    const first = await openSse(app.api.eventsUrl(id));
    const second = await openSse(app.api.eventsUrl(id));
    await first.waitForEvents(1);
    await second.waitForEvents(1);
    expect(hub.openStreams).toBeGreaterThanOrEqual(2);
    expect(service.activeWatchCount - before).toBe(1);

    expect((await app.api.act(id, 'scan', asUser('alice'))).status).toBe(200);
    await first.waitForEvents(2);
    await second.waitForEvents(2);
    const late = await openSse(app.api.eventsUrl(id));
    const [now] = await late.waitForEvents(1);
    expect(JSON.parse(now.data)).toMatchObject({ qrcodeId: id, status: 'SCANNED' });
    expect(service.activeWatchCount - before).toBe(1);

    // The creator's proof is another view of the same code: its own watch, with who scanned.
    const creator = await openSse(app.api.eventsUrl(id), creatorHeader(created));
    const [creatorNow] = await creator.waitForEvents(1);
    expect(JSON.parse(creatorNow.data).briefUserInfo).toBeDefined();
    expect(JSON.parse(now.data).briefUserInfo).toBeUndefined();
    expect(service.activeWatchCount - before).toBe(2);

    for (const stream of [first, second, late, creator]) stream.close();
    await eventually(() => service.activeWatchCount === before, 10_000, 'the shared watches to be released');
  });
});
