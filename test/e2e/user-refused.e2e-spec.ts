import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp } from '../app/test-app';
import { asUser, creatorHeader, nativeClient, request } from '../support/http';

/** A `loadUser` hook that finds no user (a disabled account) refuses the login on every redeem route. */
describe.each(ADAPTERS)('loadUser refusing on %s', (adapter) => {
  let app: Awaited<ReturnType<typeof createTestApp>>['app'];
  let base: string;

  beforeAll(async () => {
    ({ app, url: base } = await createTestApp({
      adapter,
      genauth: {},
      options: { loadUser: (userId) => (userId === 'u-bob' ? null : { id: userId }) },
    }));
  });
  afterAll(() => app.close());

  async function authorizedBy(user: 'alice' | 'bob') {
    const api = nativeClient(base);
    const created = await api.create();
    const id = created.body.qrcodeId;
    await api.act(id, 'scan', asUser(user));
    await api.act(id, 'confirm', asUser(user));
    return { ticket: (await api.status(id, creatorHeader(created))).body.ticket as string, created };
  }

  it('answers 401 QR_USER_REFUSED on the native login route', async () => {
    const { ticket, created } = await authorizedBy('bob');
    const refused = await nativeClient(base).login(ticket, creatorHeader(created));
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('QR_USER_REFUSED');
    const { ticket: fine, created: other } = await authorizedBy('alice');
    expect((await nativeClient(base).login(fine, creatorHeader(other))).status).toBe(200);
  });

  it("answers GenAuth's envelope with QR_USER_REFUSED on the V3 exchange", async () => {
    const { ticket, created } = await authorizedBy('bob');
    // A native code stays bound to its creator on the compatible routes too, so the exchange carries the proof.
    const refused = await request(`${base}/api/v3/exchange-tokenset-with-qrcode-ticket`, {
      method: 'POST',
      json: { ticket },
      headers: creatorHeader(created),
    });
    expect(refused.body).toMatchObject({ statusCode: 401, code: 'QR_USER_REFUSED' });
    expect(refused.body.requestId).toEqual(expect.any(String));
  });
});
