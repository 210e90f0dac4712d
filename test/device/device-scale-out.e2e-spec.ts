import type { INestApplication } from '@nestjs/common';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, request } from '../support/http';
import { requestDeviceToken } from '../support/device-grant';
import { ManualClock } from '../support/manual-clock';
import { redisStoreKind } from '../support/stores';
import { createDeviceTestApp } from './device-test-app';

/**
 * Two instances (Express and Fastify) sharing one real Redis, as behind a
 * load balancer: the device authorizes on one and polls the other, the
 * phone types the user code on either, and the polling pace is kept in the
 * store, so a poll too soon on the other instance is still `slow_down`.
 * Both instances read one manual clock, as synchronised hosts would.
 */
describe('the device grant across two instances sharing Redis', () => {
  const clock = new ManualClock();
  const instances: { app: INestApplication; url: string }[] = [];

  beforeAll(async () => {
    await redisStoreKind.setup();
    instances.push(await createDeviceTestApp({ adapter: 'express', store: redisStoreKind.make(), clock }));
    instances.push(await createDeviceTestApp({ adapter: 'fastify', store: redisStoreKind.make(), clock }));
  }, 30_000);
  afterAll(async () => {
    for (const instance of instances) await instance.app.close();
    await redisStoreKind.teardown();
  });

  const token = (instance: number, deviceCode: string) => requestDeviceToken(instances[instance].url, deviceCode);

  it('authorizes on one instance, paces and redeems on the other', async () => {
    const started = await request(`${instances[0].url}/qr-login/device_authorization`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'client_id=tv-app',
    });
    expect(started.status).toBe(200);
    const deviceCode: string = started.body.device_code;

    expect((await token(1, deviceCode)).body.error).toBe('authorization_pending');
    // At once, on the other instance: too soon, whichever instance is asked.
    const tooSoon = await token(0, deviceCode);
    expect(tooSoon.body.error).toBe('slow_down');
    // The interval grew to 6 s for good: after 6 s a poll is fine, after 5 more it is too soon again (and grows to 11 s).
    clock.advance(6_000);
    expect((await token(1, deviceCode)).body.error).toBe('authorization_pending');
    clock.advance(5_000);
    expect((await token(0, deviceCode)).body.error).toBe('slow_down');
    clock.advance(11_000);
    expect((await token(1, deviceCode)).body.error).toBe('authorization_pending');

    const scanned = await request(`${instances[1].url}/qr-login/user-codes/scan`, {
      method: 'POST',
      json: { userCode: started.body.user_code },
      headers: asUser('alice'),
    });
    expect(scanned.status).toBe(200);
    const confirmed = await request(`${instances[0].url}/qr-login/user-codes/confirm`, {
      method: 'POST',
      json: { userCode: started.body.user_code },
      headers: asUser('alice'),
    });
    expect(confirmed.body.status).toBe('AUTHORIZED');

    clock.advance(11_000);
    const tokens = await token(1, deviceCode);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ access_token: 'session-for-u-alice', token_type: 'Bearer', expires_in: 3600 });
    // Once: the other instance refuses the same device code.
    clock.advance(11_000);
    expect((await token(0, deviceCode)).body.error).toBe('invalid_grant');
  });

  it('completes with openid-client authorizing on one instance and polling the other', async () => {
    const fetchToOther: oidc.CustomFetch = (input, init) => {
      const target = String(input);
      if (target.endsWith('/qr-login/token')) clock.advance(1_000);
      // Polls go to the second instance, as a load balancer might send them.
      const rerouted = target.endsWith('/qr-login/token') ? target.replace(instances[0].url, instances[1].url) : target;
      return fetch(rerouted, init as RequestInit);
    };
    const config = await oidc.discovery(new URL(instances[0].url), 'tv-app', undefined, oidc.None(), {
      algorithm: 'oauth2',
      execute: [oidc.allowInsecureRequests],
      [oidc.customFetch]: fetchToOther,
    });
    const started = await oidc.initiateDeviceAuthorization(config, {});
    const polling = oidc.pollDeviceAuthorizationGrant(config, started);
    const scanned = await request(`${instances[1].url}/qr-login/user-codes/scan`, {
      method: 'POST',
      json: { userCode: started.user_code },
      headers: asUser('bob'),
    });
    expect(scanned.status).toBe(200);
    await request(`${instances[1].url}/qr-login/user-codes/confirm`, {
      method: 'POST',
      json: { userCode: started.user_code },
      headers: asUser('bob'),
    });
    await expect(polling).resolves.toMatchObject({ access_token: 'session-for-u-bob' });
  }, 30_000);
});
