import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QrLoginService } from '../../lib';
import type { QrLoginGeoLookup, QrLoginRiskInput } from '../../lib/risk';
import { ADAPTERS } from '../app/test-app';
import { asUser, request } from '../support/http';
import { requestDeviceToken, startDeviceAuthorization } from '../support/device-grant';
import { ManualClock } from '../support/manual-clock';
import { STORE_KINDS, memoryStoreKind } from '../support/stores';
import { createDeviceTestApp } from './device-test-app';

/*
 * Remote phishing of a device flow (RFC 8628 §5.4): an attacker starts a
 * device flow for a public client and sends a victim a link. The kernel holds
 * three rules on the record, over every store and both adapters: the code is
 * reachable only by its user code (never its id, which the device code no
 * longer carries); the phone is told it approves a device, which one, and
 * how far away; and a phone that arrived by a link must pick the device's
 * user code among decoys, which a victim without the device's screen cannot.
 */

/** The device's network and the phone's: different networks and countries, about 6 400 km apart. */
const DEVICE_IP = '203.0.113.7';
const PHONE_IP = '198.51.100.9';
const geo: QrLoginGeoLookup = {
  lookup: (ip) =>
    ip === DEVICE_IP
      ? { country: 'US', latitude: 40.71, longitude: -74.0 }
      : ip === PHONE_IP
        ? { country: 'DE', latitude: 52.52, longitude: 13.4 }
        : undefined,
};

const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

function deviceSuite(numberMatching: boolean) {
  return (adapter: (typeof ADAPTERS)[number], kind: (typeof STORE_KINDS)[number]) => {
    let app: INestApplication;
    let url: string;
    const clock = new ManualClock();
    /** The flows the risk policy was asked about, in order. */
    const policySaw: QrLoginRiskInput['flow'][] = [];

    beforeAll(async () => {
      ({ app, url } = await createDeviceTestApp({
        adapter,
        clock,
        store: kind.make(),
        trustProxy: true,
        genauth: {},
        options: {
          numberMatching,
          risk: {
            geo,
            assessRisk: (input) => {
              policySaw.push(input.flow);
              return input.flags.length > 0 ? 'warn' : 'allow';
            },
          },
        },
      }));
    });
    afterAll(() => app?.close());

    /** The attacker's (or the device's) device authorization, from the device's network. */
    async function startDevice(): Promise<{ device_code: string; user_code: string; qrcodeId: string }> {
      const started = await startDeviceAuthorization(url, 'tv-app', {
        'x-forwarded-for': DEVICE_IP,
        'user-agent':
          'Mozilla/5.0 (SMART-TV; Linux; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) TV Safari/537.36',
      });
      expect(started.status).toBe(200);
      // The id, as only the server knows it: what a phishing link would have to hold.
      const qrcodeId = await app.get(QrLoginService).resolveUserCode(started.body.user_code);
      return { ...started.body, qrcodeId };
    }

    const phone = (path: string, json: unknown, user: 'alice' | 'bob' = 'alice') =>
      request(`${url}/qr-login/${path}`, {
        method: 'POST',
        json,
        headers: { ...asUser(user), 'x-forwarded-for': PHONE_IP },
      });

    const poll = (deviceCode: string) => {
      clock.advance(2_000);
      return requestDeviceToken(url, deviceCode);
    };

    const publicStatus = async (qrcodeId: string) =>
      (await request(`${url}/qr-login/qrcodes/${qrcodeId}`)).body.status as string;

    const genauth = (qrcodeId: string, action: 'SCAN' | 'CONFIRM' | 'CANCEL') =>
      request(`${url}/api/v3/change-qrcode-status`, {
        method: 'POST',
        json: { qrcodeId, action },
        headers: { ...asUser('alice'), 'x-forwarded-for': PHONE_IP },
      });

    it('refuses a scan, confirm or cancel by id on the native and GenAuth routes with QR_USER_CODE_REQUIRED', async () => {
      const started = await startDevice();
      for (const action of ['scan', 'confirm', 'cancel'] as const) {
        const byId = await phone(`qrcodes/${started.qrcodeId}/${action}`, {});
        expect(byId.status, action).toBe(403);
        expect(byId.body.code, action).toBe('QR_USER_CODE_REQUIRED');
      }
      for (const action of ['SCAN', 'CONFIRM', 'CANCEL'] as const) {
        // GenAuth answers HTTP 200 with the failure in its envelope, as its SDKs expect.
        const byId = await genauth(started.qrcodeId, action);
        expect(byId.body.statusCode, action).toBe(403);
        expect(byId.body.code, action).toBe('QR_USER_CODE_REQUIRED');
      }
      expect(await publicStatus(started.qrcodeId)).toBe('PENDING');
      expect((await poll(started.device_code)).body.error).toBe('authorization_pending');

      // Even the phone that scanned it by its user code cannot go on by id.
      expect((await phone('user-codes/scan', { userCode: started.user_code, entry: 'typed' })).status).toBe(200);
      const confirmById = await phone(`qrcodes/${started.qrcodeId}/confirm`, {});
      expect(confirmById.body.code).toBe('QR_USER_CODE_REQUIRED');
      expect((await genauth(started.qrcodeId, 'CONFIRM')).body.code).toBe('QR_USER_CODE_REQUIRED');
      expect(await publicStatus(started.qrcodeId)).toBe('SCANNED');
      expect((await phone('user-codes/confirm', { userCode: started.user_code })).body.status).toBe('AUTHORIZED');
      expect((await poll(started.device_code)).body.access_token).toBe('session-for-u-alice');
    });

    it('hands the device a device_code that holds nothing a phone route accepts', async () => {
      const started = await startDevice();
      expect(started.device_code).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(started.device_code).not.toContain(started.qrcodeId);
      for (const part of [started.device_code, ...started.device_code.split(/[._-]/).filter((p) => p.length > 8)]) {
        expect((await phone(`qrcodes/${encodeURIComponent(part)}/scan`, {})).status).toBeGreaterThanOrEqual(400);
        expect((await phone('user-codes/scan', { userCode: part })).status).toBeGreaterThanOrEqual(400);
      }
      expect(await publicStatus(started.qrcodeId)).toBe('PENDING');
      // A device code is only ever this one flow's: a made-up one of the same shape is no grant.
      expect((await poll('A'.repeat(43))).body.error).toBe('invalid_grant');
    });

    it("tells the phone it approves a device, names the client, and weighs the device's request against the phone", async () => {
      const before = policySaw.length;
      const started = await startDevice();
      // What a link asks, read before anything is done: the device's name, no id, no choices, nothing changed.
      const asked = await phone('user-codes/describe', { userCode: started.user_code });
      expect(asked.status).toBe(200);
      expect(asked.body).toEqual({
        flow: 'device',
        client: { id: 'tv-app', name: 'Living-room TV' },
        appName: 'Fixture Web',
        status: 'PENDING',
        expiresIn: expect.any(Number),
      });
      expect(await publicStatus(started.qrcodeId)).toBe('PENDING');
      expect(policySaw.length).toBe(before);
      const scanned = await phone('user-codes/scan', { userCode: started.user_code, entry: 'typed' });
      expect(scanned.status).toBe(200);
      expect(scanned.body).toMatchObject({
        flow: 'device',
        client: { id: 'tv-app', name: 'Living-room TV' },
        requester: { ip: DEVICE_IP, place: { country: 'US' } },
        risk: { verdict: 'warn', facts: { sameNetwork: false, sameCountry: false } },
      });
      expect(scanned.body.requester.userAgent).toContain('SMART-TV');
      expect(scanned.body.risk.flags).toEqual(
        expect.arrayContaining(['different-network', 'different-country', 'far-away']),
      );
      expect(scanned.body.risk.facts.distanceKm).toBeGreaterThan(6_000);
      expect(policySaw.slice(before)).toEqual(['device']);

      // A QR from the same network answers flow 'qr', and the policy is told so.
      const created = await request(`${url}/qr-login/qrcodes`, {
        method: 'POST',
        json: {},
        headers: { 'x-forwarded-for': PHONE_IP },
      });
      const qr = await phone(`qrcodes/${created.body.qrcodeId}/scan`, {});
      expect(qr.body.flow).toBe('qr');
      expect(qr.body.client).toBeUndefined();
      expect(policySaw.slice(before)).toEqual(['device', 'qr']);
    });

    if (numberMatching) {
      it('has a phone that came by a link pick the user code among decoys; a wrong pick cancels, and the device is denied', async () => {
        const started = await startDevice();
        // No `entry`: a user code with no word on how it came is a link's.
        const scanned = await phone('user-codes/scan', { userCode: started.user_code });
        expect(scanned.status).toBe(200);
        expect(scanned.body.matchKind).toBe('user-code');
        const choices: string[] = scanned.body.matchChoices;
        expect(choices).toHaveLength(3);
        expect(new Set(choices).size).toBe(3);
        for (const choice of choices) expect(choice).toMatch(USER_CODE);
        expect(choices).toContain(started.user_code);

        const none = await phone('user-codes/confirm', { userCode: started.user_code });
        expect(none.status).toBe(400);
        expect(none.body.code).toBe('QR_MATCH_REQUIRED');
        expect(await publicStatus(started.qrcodeId)).toBe('SCANNED');

        const decoy = choices.find((choice) => choice !== started.user_code)!;
        const wrong = await phone('user-codes/confirm', { userCode: started.user_code, matchCode: decoy });
        expect(wrong.status).toBe(403);
        expect(wrong.body.code).toBe('QR_MATCH_FAILED');
        expect((await request(`${url}/qr-login/qrcodes/${started.qrcodeId}`)).body).toMatchObject({
          status: 'CANCELLED',
          cancelReason: 'MATCH_FAILED',
        });
        // No second chance with the right code, and the device (the attacker) gets nothing.
        const late = await phone('user-codes/confirm', { userCode: started.user_code, matchCode: started.user_code });
        expect(late.status).toBe(409);
        expect((await poll(started.device_code)).body.error).toBe('access_denied');
      });

      it('confirms a link with the right pick, and the device gets its token', async () => {
        const started = await startDevice();
        const scanned = await phone('user-codes/scan', { userCode: started.user_code, entry: 'link' });
        expect(scanned.body.matchChoices).toContain(started.user_code);
        const picked = started.user_code.toLowerCase();
        const confirmed = await phone('user-codes/confirm', { userCode: started.user_code, matchCode: picked });
        expect(confirmed.body.status).toBe('AUTHORIZED');
        expect((await poll(started.device_code)).body.access_token).toBe('session-for-u-alice');
      });

      it('a scan after a link keeps owing the pick, even if the phone then says it typed the code', async () => {
        const started = await startDevice();
        expect((await phone('user-codes/scan', { userCode: started.user_code, entry: 'link' })).status).toBe(200);
        const again = await phone('user-codes/scan', { userCode: started.user_code, entry: 'typed' });
        expect(again.body.matchChoices).toHaveLength(3);
        expect((await phone('user-codes/confirm', { userCode: started.user_code })).body.code).toBe(
          'QR_MATCH_REQUIRED',
        );
      });
    }

    it(`needs no pick from a phone where the user typed the code${numberMatching ? '' : ', nor, with number matching off, from a link'}`, async () => {
      for (const entry of numberMatching ? ['typed'] : ['typed', 'link', undefined]) {
        const started = await startDevice();
        const scanned = await phone('user-codes/scan', { userCode: started.user_code, ...(entry ? { entry } : {}) });
        expect(scanned.status).toBe(200);
        expect(scanned.body.matchChoices).toBeUndefined();
        expect(scanned.body.matchKind).toBeUndefined();
        const confirmed = await phone('user-codes/confirm', { userCode: started.user_code });
        expect(confirmed.body.status).toBe('AUTHORIZED');
        expect((await poll(started.device_code)).body.access_token).toBe('session-for-u-alice');
      }
    });

    it('lets only the phone that scanned confirm or cancel by user code', async () => {
      const started = await startDevice();
      expect((await phone('user-codes/scan', { userCode: started.user_code, entry: 'typed' })).status).toBe(200);
      expect((await phone('user-codes/confirm', { userCode: started.user_code }, 'bob')).body.code).toBe(
        'QR_NOT_SCANNER',
      );
      expect((await phone('user-codes/cancel', { userCode: started.user_code }, 'bob')).body.code).toBe(
        'QR_NOT_SCANNER',
      );
      expect((await phone('user-codes/cancel', { userCode: started.user_code })).body.status).toBe('CANCELLED');
      expect((await poll(started.device_code)).body.error).toBe('access_denied');
    });
  };
}

describe.each(STORE_KINDS)('device-flow phishing defence over the $name store', (kind) => {
  beforeAll(() => kind.setup());
  afterAll(() => kind.teardown());
  describe.each(ADAPTERS)('on %s, number matching on', (adapter) => {
    deviceSuite(true)(adapter, kind);
  });
});

describe.each(ADAPTERS)('device flows with number matching off, on %s', (adapter) => {
  beforeAll(() => memoryStoreKind.setup());
  afterAll(() => memoryStoreKind.teardown());
  deviceSuite(false)(adapter, memoryStoreKind);
});
