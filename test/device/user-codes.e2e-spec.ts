import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp } from '../app/test-app';
import { describeMatrix } from '../support/matrix';
import { asUser, creatorHeader, nativeClient, request } from '../support/http';
import { redisStoreKind } from '../support/stores';

const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

describeMatrix('user codes on the phone route', {}, (cell) => {
  const scanByCode = (userCode: unknown, user: 'alice' | 'bob' = 'alice') =>
    request(`${cell().api.root}/user-codes/scan`, { method: 'POST', json: { userCode }, headers: asUser(user) });

  it('gives each code a user code, and a scan by it answers exactly as the native scan', async () => {
    const created = await cell().api.create();
    expect(created.body.userCode).toMatch(USER_CODE);
    const scanned = await scanByCode(created.body.userCode.toLowerCase());
    expect(scanned.status).toBe(200);
    expect(scanned.body).toMatchObject({
      qrcodeId: created.body.qrcodeId,
      status: 'SCANNED',
      requester: { appName: 'Fixture Web' },
    });
    expect(Object.keys(scanned.body).sort()).toEqual(['expiresIn', 'flow', 'qrcodeId', 'requester', 'risk', 'status']);
    expect(scanned.body.flow).toBe('qr');
    // The creator sees it scanned, and confirm / cancel go through the native routes.
    expect((await cell().api.status(created.body.qrcodeId, creatorHeader(created))).body.briefUserInfo).toEqual({
      displayName: 'Alice',
      photo: 'https://example.test/alice.png',
    });
    expect((await cell().api.act(created.body.qrcodeId, 'confirm', asUser('alice'))).body.status).toBe('AUTHORIZED');
  });

  it('shows the user code to the creator only, and the same rules hold as for a scan by id', async () => {
    const created = await cell().api.create();
    expect((await cell().api.status(created.body.qrcodeId, creatorHeader(created))).body.userCode).toBe(
      created.body.userCode,
    );
    expect((await cell().api.status(created.body.qrcodeId)).body.userCode).toBeUndefined();
    expect((await scanByCode(created.body.userCode)).status).toBe(200);
    const second = await scanByCode(created.body.userCode, 'bob');
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('QR_ALREADY_SCANNED');
  });

  it('answers 404 QR_USER_CODE_NOT_FOUND for a code nobody holds, 400 for text that cannot be one, 401 without a user', async () => {
    const unknown = await scanByCode('BCDF-GHJK');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('QR_USER_CODE_NOT_FOUND');
    const malformed = await scanByCode('AEIOU');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('QR_VALIDATION_FAILED');
    const anonymous = await request(`${cell().api.root}/user-codes/scan`, {
      method: 'POST',
      json: { userCode: 'BCDF-GHJK' },
    });
    expect(anonymous.status).toBe(401);
  });
});

describe.each(ADAPTERS)('user codes under the appAction rate limit on %s', (adapter) => {
  let app: Awaited<ReturnType<typeof createTestApp>>;
  beforeAll(async () => {
    app = await createTestApp({ adapter, options: { rateLimit: { appAction: { limit: 3, window: 60 } } } });
  });
  afterAll(() => app?.app.close());

  it('counts every wrong code against the phone user, who is then refused with 429', async () => {
    const api = nativeClient(app.url);
    const created = await api.create();
    const guess = (userCode: string, user: 'alice' | 'bob' = 'alice') =>
      request(`${api.root}/user-codes/scan`, { method: 'POST', json: { userCode }, headers: asUser(user) });
    for (let i = 0; i < 3; i++) expect((await guess('BCDF-GHJK')).status).toBe(404);
    // The right code no longer helps this user in this window: guessing costs the budget.
    const limited = await guess(created.body.userCode);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('QR_RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another user has a budget of their own.
    expect((await guess(created.body.userCode, 'bob')).status).toBe(200);
  });
});

describe('user codes across two instances sharing Redis', () => {
  const apps: Awaited<ReturnType<typeof createTestApp>>[] = [];
  beforeAll(async () => {
    await redisStoreKind.setup();
    apps.push(await createTestApp({ adapter: 'express', store: redisStoreKind.make() }));
    apps.push(await createTestApp({ adapter: 'fastify', store: redisStoreKind.make() }));
  }, 30_000);
  afterAll(async () => {
    for (const app of apps) await app.app.close();
    await redisStoreKind.teardown();
  });

  it('resolves a code created on one instance when typed on the other', async () => {
    const created = await nativeClient(apps[0].url).create();
    const scanned = await request(`${nativeClient(apps[1].url).root}/user-codes/scan`, {
      method: 'POST',
      json: { userCode: created.body.userCode },
      headers: asUser('alice'),
    });
    expect(scanned.status).toBe(200);
    expect(scanned.body.qrcodeId).toBe(created.body.qrcodeId);
  });
});
