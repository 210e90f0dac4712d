import type { INestApplication } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeviceTestApp } from '../../test/device/device-test-app';
import { ADAPTERS, createTestApp } from '../../test/app/test-app';
import { startDeviceAuthorization } from '../../test/support/device-grant';
import { asUser, creatorHeader, nativeClient, request } from '../../test/support/http';

/*
 * The phone's routes by user code over real HTTP on both adapters, each once:
 * what the controller hands the service from the body (the entry a scan came
 * by, the match code of a confirm). Apps are made inside the tests.
 */

const open: INestApplication[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

describe.each(ADAPTERS)('QrLoginUserCodeController on %s', (adapter) => {
  it('describes, scans, confirms with the match code, by user code', async () => {
    const { app, url } = await createTestApp({ adapter, options: { numberMatching: true } });
    open.push(app);
    const client = nativeClient(url);
    const created = await client.create();
    const { userCode, matchCode, qrcodeId } = created.body;
    const phone = (path: string, json: unknown) =>
      request(`${client.root}/user-codes/${path}`, { json, headers: asUser('alice') });

    const described = await phone('describe', { userCode });
    expect(described.status).toBe(200);
    expect(described.body.flow).toBe('qr');

    const scanned = await phone('scan', { userCode, entry: 'typed' });
    expect(scanned.status).toBe(200);
    expect(scanned.body).toMatchObject({ qrcodeId, status: 'SCANNED', matchKind: 'number' });

    const unmatched = await phone('confirm', { userCode });
    expect(unmatched.status).toBe(400);
    expect(unmatched.body.code).toBe('QR_MATCH_REQUIRED');
    const confirmed = await phone('confirm', { userCode, matchCode });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ qrcodeId, status: 'AUTHORIZED' });
    expect((await client.status(qrcodeId, creatorHeader(created))).body.status).toBe('AUTHORIZED');
  });

  it('cancels by user code', async () => {
    const { app, url } = await createTestApp({ adapter });
    open.push(app);
    const client = nativeClient(url);
    const { userCode, qrcodeId } = (await client.create()).body;
    const phone = (path: string) =>
      request(`${client.root}/user-codes/${path}`, { json: { userCode }, headers: asUser('alice') });
    expect((await phone('scan')).status).toBe(200);
    const cancelled = await phone('cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ qrcodeId, status: 'CANCELLED' });
  });

  it("hands the scan its entry: a device flow's typed code needs no pick, a link's does", async () => {
    const { app, url } = await createDeviceTestApp({ adapter, options: { numberMatching: true } });
    open.push(app);
    const scan = async (entry: 'typed' | 'link') => {
      const userCode = (await startDeviceAuthorization(url)).body.user_code;
      return request(`${url}/qr-login/user-codes/scan`, { json: { userCode, entry }, headers: asUser('alice') });
    };
    const typed = await scan('typed');
    expect(typed.status).toBe(200);
    expect(typed.body.flow).toBe('device');
    expect(typed.body.matchChoices).toBeUndefined();
    const linked = await scan('link');
    expect(linked.status).toBe(200);
    expect(linked.body.matchKind).toBe('user-code');
    expect(linked.body.matchChoices).toHaveLength(3);
  });
});
