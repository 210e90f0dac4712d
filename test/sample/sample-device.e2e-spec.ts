import type { INestApplication } from '@nestjs/common';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSampleApp } from '../support/sample-app';
import { request } from '../support/http';

/** openid-client v6 against the real sample app: discovery, device authorization, polling, while the phone confirms. */
describe.each(['express', 'fastify'] as const)('the sample app as a device-grant server on %s', (adapter) => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startSampleApp({ adapter }));
  });
  afterAll(() => app?.close());

  it('logs a second device in with the phone, by the user code', async () => {
    const config = await oidc.discovery(new URL(url), 'sample-device', undefined, oidc.None(), {
      algorithm: 'oauth2',
      execute: [oidc.allowInsecureRequests],
    });
    const started = await oidc.initiateDeviceAuthorization(config, {});
    expect(started.verification_uri_complete).toBe(`${url}/phone?user_code=${started.user_code}`);
    const qr = await fetch(`${url}/device/qr.svg?user_code=${started.user_code}`);
    expect(qr.status).toBe(200);
    expect(await qr.text()).toContain('<svg');
    expect((await fetch(`${url}/device`)).status).toBe(200);

    const polling = oidc.pollDeviceAuthorizationGrant(config, started);
    const login = await request(`${url}/auth/app/login`, { json: { username: 'bob', password: 'builder' } });
    const bob = { authorization: `Bearer ${login.body.access_token}` };
    const scanned = await request(`${url}/qr-login/user-codes/scan`, {
      method: 'POST',
      // Bob read the code off the device's screen and typed it: no pick is owed.
      json: { userCode: started.user_code, entry: 'typed' },
      headers: bob,
    });
    expect(scanned.status).toBe(200);
    expect(scanned.body).toMatchObject({ flow: 'device', client: { id: 'sample-device' } });
    expect(scanned.body.matchChoices).toBeUndefined();
    const status = await request(`${url}/qr-login/user-codes/confirm`, {
      method: 'POST',
      json: { userCode: started.user_code },
      headers: bob,
    });
    expect(status.body.status).toBe('AUTHORIZED');
    const tokens = await polling;
    // The sample's token is a JWT for bob, usable on its own API.
    const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString('utf8'));
    expect(claims.username).toBe('bob');
  }, 30_000);
});
