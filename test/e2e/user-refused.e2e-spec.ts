import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp } from '../app/test-app';
import { asUser, creatorHeader, nativeClient, request } from '../support/http';

/** What the hooks answer for "no user": each of these must refuse, none may pass for a user. */
const NO_USER: Array<[string, unknown]> = [
  ['null', null],
  ['undefined', undefined],
  ['false', false],
  ['0', 0],
  ["''", ''],
];

/** A `loadUser` hook that finds no user (a disabled account) refuses the login on every redeem route. */
describe.each(ADAPTERS)('loadUser refusing on %s', (adapter) => {
  let app: Awaited<ReturnType<typeof createTestApp>>['app'];
  let base: string;
  /** What loadUser answers for bob. */
  let forBob: unknown = null;

  beforeAll(async () => {
    ({ app, url: base } = await createTestApp({
      adapter,
      genauth: {},
      options: { loadUser: (userId) => (userId === 'u-bob' ? forBob : { id: userId }) },
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

  it.each(NO_USER)(
    'answers 401 QR_USER_REFUSED on the native login route when loadUser answers %s',
    async (_name, answer) => {
      forBob = answer;
      const { ticket, created } = await authorizedBy('bob');
      const refused = await nativeClient(base).login(ticket, creatorHeader(created));
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('QR_USER_REFUSED');
      const { ticket: fine, created: other } = await authorizedBy('alice');
      expect((await nativeClient(base).login(fine, creatorHeader(other))).status).toBe(200);
    },
  );

  it("answers GenAuth's envelope with QR_USER_REFUSED on the V3 exchange", async () => {
    forBob = false;
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

/** A `resolveUser` hook that finds no user: the phone's actions are refused, and the code is left as it was. */
describe.each(ADAPTERS)('resolveUser refusing on %s', (adapter) => {
  let app: Awaited<ReturnType<typeof createTestApp>>['app'];
  let base: string;
  let answer: unknown = null;

  beforeAll(async () => {
    ({ app, url: base } = await createTestApp({
      adapter,
      options: { appAuth: { resolveUser: () => answer } },
    }));
  });
  afterAll(() => app.close());

  it.each(NO_USER)('answers 401 QR_APP_USER_UNAUTHENTICATED when resolveUser answers %s', async (_name, refusal) => {
    const api = nativeClient(base);
    const id = (await api.create()).body.qrcodeId;
    answer = refusal;
    const scan = await api.act(id, 'scan', asUser('alice'));
    expect(scan.status).toBe(401);
    expect(scan.body.code).toBe('QR_APP_USER_UNAUTHENTICATED');
    expect((await api.status(id)).body.status).toBe('PENDING');
    // The same request with a user behind it goes through.
    answer = { id: 'u-alice', displayName: 'Alice' };
    expect((await api.act(id, 'scan', asUser('alice'))).status).toBe(200);
  });
});
