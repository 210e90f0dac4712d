import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryQrLoginStore } from '../../lib';
import { ADAPTERS, createTestApp } from '../app/test-app';
import { asUser, creatorHeader, nativeClient, request } from '../support/http';
import type { FakeWechatServer } from '../wechat/fake-wechat.server';
import { createWechatTestApp, startFakeWechat } from '../wechat/wechat-test-app';

/*
 * The memory store's cap on codes held (`maxCodes`): a flood of creates
 * cannot exhaust the process. At the cap a create answers 503
 * `QR_STORE_FULL` with `Retry-After`, and the codes already held keep
 * working to the end of their flow.
 */
describe.each(ADAPTERS)('the memory store at its maxCodes (%s)', (adapter) => {
  const MAX = 3;
  let app: Awaited<ReturnType<typeof createTestApp>>['app'];
  let base: string;
  let api: ReturnType<typeof nativeClient>;
  let store: MemoryQrLoginStore;

  beforeAll(async () => {
    store = new MemoryQrLoginStore({ maxCodes: MAX });
    ({ app, url: base } = await createTestApp({ adapter, store, genauth: { v3: true }, options: { qrCodeTtl: 120 } }));
    api = nativeClient(base);
  });
  afterAll(() => app.close());

  it('refuses creates with 503 QR_STORE_FULL and Retry-After, and leaves the held codes working', async () => {
    const held = [];
    for (let i = 0; i < MAX; i++) {
      const created = await api.create({ customData: { n: i } });
      expect(created.status).toBe(201);
      held.push(created);
    }
    expect(store.size).toBe(MAX);

    const refused = await api.create();
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({
      statusCode: 503,
      code: 'QR_STORE_FULL',
      message: expect.stringMatching(/maxCodes/),
    });
    // The held codes free their slots when they expire (120 s here), so that is when to retry.
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(100);
    expect(retryAfter).toBeLessThanOrEqual(126);
    expect(refused.headers.get('set-cookie')).toBeNull();

    // Through a plugin's create too, in its own envelope.
    const viaGenAuth = await request(`${base}/api/v3/gene-qrcode`, { json: { type: 'MOBILE_APP' } });
    expect(viaGenAuth.body).toMatchObject({ statusCode: 503 });
    expect(JSON.stringify(viaGenAuth.body)).toContain('QR_STORE_FULL');
    expect(store.size).toBe(MAX);

    // Every held code still reads, scans, confirms and redeems.
    for (const created of held) expect((await api.status(created.body.qrcodeId)).body.status).toBe('PENDING');
    const [first, second] = held;
    const id = first.body.qrcodeId;
    expect((await api.act(id, 'scan', asUser('alice'))).status).toBe(200);
    expect((await api.act(id, 'confirm', asUser('alice'))).status).toBe(200);
    const ticket = (await api.status(id, creatorHeader(first))).body.ticket;
    const login = await api.login(ticket, creatorHeader(first));
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ access_token: 'session-for-u-alice', customData: { n: 0 } });
    expect((await api.act(second.body.qrcodeId, 'scan', asUser('bob'))).status).toBe(200);
    expect((await api.act(second.body.qrcodeId, 'cancel', asUser('bob'))).status).toBe(200);

    // Still full: ended codes are kept for late readers until they expire.
    expect((await api.create()).status).toBe(503);
  });

  it('writes no user-code alias for a refused create', async () => {
    // Full from the test before (or filled here when run alone).
    while (store.size < MAX) expect((await api.create()).status).toBe(201);
    const kept = store.keptKeys;
    for (let i = 0; i < 40; i++) {
      expect((await api.create()).status).toBe(503);
      expect((await request(`${base}/api/v3/gene-qrcode`, { json: { type: 'MOBILE_APP' } })).body).toMatchObject({
        statusCode: 503,
      });
    }
    // Every alias left is one of a held code: none for the 80 refused creates.
    expect(store.keptKeys).toBe(kept);
    expect(kept).toBeLessThanOrEqual(MAX);
  });
});

/*
 * A type handler's rendering is a call to another service (here the fake WeChat's mini program code
 * API): a refused create must not make it.
 */
describe.each(ADAPTERS)('the memory store at its maxCodes with a WeChat mini program code (%s)', (adapter) => {
  let fake: FakeWechatServer;
  let app: Awaited<ReturnType<typeof createWechatTestApp>>['app'];
  let api: ReturnType<typeof nativeClient>;

  beforeAll(async () => {
    fake = await startFakeWechat();
    const started = await createWechatTestApp({
      adapter,
      fake,
      core: { store: new MemoryQrLoginStore({ maxCodes: 1 }) },
    });
    app = started.app;
    api = nativeClient(started.url);
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
  });

  it('renders no code for a refused create', async () => {
    expect((await api.create({ type: 'WECHAT_MINIPROGRAM' })).status).toBe(201);
    const rendered = fake.count('wxa/getwxacodeunlimit');
    expect(rendered).toBe(1);
    for (let i = 0; i < 5; i++) {
      const refused = await api.create({ type: 'WECHAT_MINIPROGRAM' });
      expect([refused.status, refused.body.code]).toEqual([503, 'QR_STORE_FULL']);
    }
    expect(fake.count('wxa/getwxacodeunlimit')).toBe(rendered);
  });
});
