import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QrLoginModuleOptions } from '../../lib';
import { ADAPTERS, createTestApp } from '../app/test-app';
import { asUser, creatorHeader, nativeClient, request } from '../support/http';

/*
 * Who must approve with a passkey, decided at scan and kept on the code: the
 * approval option as a function of the code and user, a risk policy's
 * step-up, and the user-code routes held to the same rule. No browser here:
 * every refusal below is of a confirm that carries no assertion at all.
 */

const PASSKEYS = { rpId: 'localhost', origins: 'http://localhost:1' };
const FAR = { 'x-forwarded-for': '198.51.100.7' };
const NEAR = { 'x-forwarded-for': '203.0.113.5' };

describe.each(ADAPTERS)('passkey approval policy on %s', (adapter) => {
  const apps: Array<Awaited<ReturnType<typeof createTestApp>>> = [];
  const start = async (options: Partial<QrLoginModuleOptions>) => {
    const started = await createTestApp({ adapter, trustProxy: true, options: { numberMatching: false, ...options } });
    apps.push(started);
    return nativeClient(started.url);
  };
  afterAll(async () => {
    for (const { app } of apps) await app.close();
  });

  const confirm = (api: ReturnType<typeof nativeClient>, id: string, user: 'alice' | 'bob', headers = {}) =>
    request(`${api.root}/qrcodes/${id}/confirm`, { json: {}, headers: { ...asUser(user), ...headers } });

  describe('an approval function of the code and user', () => {
    let api: ReturnType<typeof nativeClient>;
    beforeAll(async () => {
      api = await start({
        passkeys: PASSKEYS,
        approval: (_code, user) => ((user as { id: string }).id === 'u-alice' ? 'passkey' : 'token'),
      });
    });

    it('asks alice for a passkey (and refuses her token alone, leaving the code open) and lets bob confirm by token', async () => {
      const forAlice = await api.create();
      const scanned = await request(`${api.root}/qrcodes/${forAlice.body.qrcodeId}/scan`, {
        method: 'POST',
        headers: asUser('alice'),
      });
      expect(scanned.body.approval).toEqual({ method: 'passkey', version: expect.any(Number) });
      const refused = await confirm(api, forAlice.body.qrcodeId, 'alice');
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('QR_PASSKEY_REQUIRED');
      expect((await api.status(forAlice.body.qrcodeId, creatorHeader(forAlice))).body.status).toBe('SCANNED');

      const forBob = await api.create();
      const bobScan = await api.act(forBob.body.qrcodeId, 'scan', asUser('bob'));
      expect(bobScan.body.approval).toBeUndefined();
      expect((await confirm(api, forBob.body.qrcodeId, 'bob')).status).toBe(200);
    });

    it('holds a code scanned by its user code to the same rule on the user-code routes', async () => {
      const created = await api.create();
      const scanned = await request(`${api.root}/user-codes/scan`, {
        json: { userCode: created.body.userCode, entry: 'typed' },
        headers: asUser('alice'),
      });
      expect(scanned.body.approval).toMatchObject({ method: 'passkey' });
      const refused = await request(`${api.root}/user-codes/confirm`, {
        json: { userCode: created.body.userCode },
        headers: asUser('alice'),
      });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('QR_PASSKEY_REQUIRED');
    });
  });

  it('steps up to a passkey when the risk policy asks, whatever the approval option says', async () => {
    const api = await start({
      passkeys: PASSKEYS,
      approval: 'token',
      risk: {
        assessRisk: ({ flags }) =>
          flags.includes('different-network') ? { verdict: 'warn', stepUp: 'passkey' } : 'allow',
      },
    });
    const far = await api.create({}, NEAR);
    const farScan = await api.act(far.body.qrcodeId, 'scan', { ...asUser('alice'), ...FAR });
    expect(farScan.body.risk).toMatchObject({ flags: ['different-network'], stepUp: 'passkey' });
    expect(farScan.body.approval).toMatchObject({ method: 'passkey' });
    expect((await confirm(api, far.body.qrcodeId, 'alice', FAR)).body.code).toBe('QR_PASSKEY_REQUIRED');

    const near = await api.create({}, NEAR);
    expect((await api.act(near.body.qrcodeId, 'scan', { ...asUser('alice'), ...NEAR })).body.approval).toBeUndefined();
    expect((await confirm(api, near.body.qrcodeId, 'alice', NEAR)).status).toBe(200);
  });

  it('answers 404 QR_PASSKEYS_DISABLED on the passkey routes of an app without the passkeys option', async () => {
    const api = await start({});
    const answer = await request(`${api.root}/passkeys/registration/options`, {
      method: 'POST',
      headers: asUser('alice'),
    });
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('QR_PASSKEYS_DISABLED');
    const anonymous = await request(`${api.root}/passkeys/registration/options`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
  });

  it('refuses to start when the approval may ask for a passkey and passkeys are not set up', async () => {
    await expect(createTestApp({ adapter, options: { approval: 'passkey' } })).rejects.toThrow(/set "passkeys"/);
  });
});
