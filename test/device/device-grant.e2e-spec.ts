import type { INestApplication } from '@nestjs/common';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS } from '../app/test-app';
import { asUser, request } from '../support/http';
import { ManualClock } from '../support/manual-clock';
import { createDeviceTestApp } from './device-test-app';

/**
 * The device grant with openid-client v6 as a real, unpatched client:
 * discovery → initiateDeviceAuthorization → pollDeviceAuthorizationGrant,
 * while the test acts on the phone routes. The server judges time on a
 * manual clock; the fetch hook (openid-client's documented `customFetch`)
 * moves it on by the interval before each poll, as the real wait would, and
 * records each token answer so the test sees what openid-client saw.
 */
describe.each(ADAPTERS)('the device grant with openid-client on %s', (adapter) => {
  let app: INestApplication;
  let url: string;
  const clock = new ManualClock();
  /** Server-clock ms to pass before the next token poll (the interval, unless a test says otherwise). */
  let advanceBeforePoll: number[] = [];
  let tokenAnswers: string[] = [];

  const fetchHook: oidc.CustomFetch = async (input, init) => {
    if (String(input).endsWith('/qr-login/token')) clock.advance(advanceBeforePoll.shift() ?? 1_000);
    const response = await fetch(input, init as RequestInit);
    if (String(input).endsWith('/qr-login/token')) {
      const body = (await response.clone().json()) as { error?: string; access_token?: string };
      tokenAnswers.push(body.error ?? (body.access_token ? 'token' : 'other'));
    }
    return response;
  };

  async function discover(clientId = 'tv-app', auth: oidc.ClientAuth = oidc.None()): Promise<oidc.Configuration> {
    return oidc.discovery(new URL(url), clientId, undefined, auth, {
      algorithm: 'oauth2',
      execute: [oidc.allowInsecureRequests],
      [oidc.customFetch]: fetchHook,
    });
  }

  const phone = (path: string, json: unknown = {}, user: 'alice' | 'bob' = 'alice') =>
    request(`${url}/qr-login/${path}`, { method: 'POST', json, headers: asUser(user) });

  beforeAll(async () => {
    ({ app, url } = await createDeviceTestApp({ adapter, clock }));
  });
  afterAll(() => app?.close());

  it('discovers the endpoints, hands out a user code the phone can type, and answers the token once confirmed', async () => {
    advanceBeforePoll = [];
    tokenAnswers = [];
    const config = await discover();
    expect(config.serverMetadata().device_authorization_endpoint).toBe(`${url}/qr-login/device_authorization`);
    const started = await oidc.initiateDeviceAuthorization(config, { scope: 'profile' });
    expect(started.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(started.verification_uri).toBe(`${url}/device`);
    expect(started.verification_uri_complete).toBe(`${url}/device?user_code=${started.user_code}`);
    expect(started.interval).toBe(1);
    expect(started.expires_in).toBeGreaterThan(100);
    // The creator secret alone: 256 random bits, and nothing a phone route accepts.
    expect(started.device_code).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const polling = oidc.pollDeviceAuthorizationGrant(config, started);
    // Typed as a person would: lower case, a space instead of the dash.
    const scanned = await phone('user-codes/scan', { userCode: started.user_code.toLowerCase().replace('-', ' ') });
    expect(scanned.status).toBe(200);
    expect(scanned.body).toMatchObject({ status: 'SCANNED', requester: expect.any(Object) });
    expect(scanned.body).toMatchObject({ flow: 'device', client: { id: 'tv-app', name: 'Living-room TV' } });
    // A device flow is confirmed through its user code, never its id.
    const confirmed = await phone('user-codes/confirm', { userCode: started.user_code });
    expect(confirmed.body.status).toBe('AUTHORIZED');

    const tokens = await polling;
    expect(tokens).toMatchObject({ access_token: 'session-for-u-alice', token_type: 'bearer', expires_in: 3600 });
    expect(tokenAnswers.at(-1)).toBe('token');
    // The user object the hook returned stays on the server.
    expect((tokens as Record<string, unknown>).user).toBeUndefined();

    // A second redemption of the same device code is refused.
    await expect(oidc.pollDeviceAuthorizationGrant(config, started)).rejects.toMatchObject({ error: 'invalid_grant' });
  }, 30_000);

  it('answers slow_down to a poll sooner than the interval, and openid-client slows down and still completes', async () => {
    // First poll after the interval, the second at once (no server time passes), then after the grown interval.
    advanceBeforePoll = [1_000, 0, 6_000];
    tokenAnswers = [];
    const config = await discover();
    const started = await oidc.initiateDeviceAuthorization(config, {});
    const polling = oidc.pollDeviceAuthorizationGrant(config, started);
    await eventually(() => tokenAnswers.length >= 2);
    expect(tokenAnswers).toEqual(['authorization_pending', 'slow_down']);
    const scanned = await phone('user-codes/scan', { userCode: started.user_code });
    expect(scanned.status).toBe(200);
    await phone('user-codes/confirm', { userCode: started.user_code });
    // openid-client waits interval + 5 s after slow_down before it polls again.
    await expect(polling).resolves.toMatchObject({ access_token: 'session-for-u-alice' });
    expect(tokenAnswers).toEqual(['authorization_pending', 'slow_down', 'token']);
  }, 30_000);

  it('reports access_denied when the user cancels on the phone', async () => {
    advanceBeforePoll = [];
    tokenAnswers = [];
    const config = await discover();
    const started = await oidc.initiateDeviceAuthorization(config, {});
    const scanned = await phone('user-codes/scan', { userCode: started.user_code }, 'bob');
    expect(scanned.status).toBe(200);
    expect((await phone('user-codes/cancel', { userCode: started.user_code }, 'bob')).body.status).toBe('CANCELLED');
    await expect(oidc.pollDeviceAuthorizationGrant(config, started)).rejects.toMatchObject({ error: 'access_denied' });
  }, 30_000);

  it('reports expired_token once the code has outlived its lifetime', async () => {
    // The server clock passes the code's whole lifetime (120 s) before the first poll.
    advanceBeforePoll = [121_000];
    tokenAnswers = [];
    const config = await discover();
    const started = await oidc.initiateDeviceAuthorization(config, {});
    await expect(oidc.pollDeviceAuthorizationGrant(config, started)).rejects.toMatchObject({ error: 'expired_token' });
    // And the phone cannot pick it up any more either.
    expect((await phone('user-codes/scan', { userCode: started.user_code })).status).toBe(410);
  }, 30_000);

  it('refuses unknown clients and wrong secrets with invalid_client, and serves confidential clients', async () => {
    await expect(oidc.initiateDeviceAuthorization(await discover('nobody'), {})).rejects.toMatchObject({
      error: 'invalid_client',
    });
    const wrongPost = await discover('post-app', oidc.ClientSecretPost('not-the-secret'));
    await expect(oidc.initiateDeviceAuthorization(wrongPost, {})).rejects.toMatchObject({ error: 'invalid_client' });
    // A Basic attempt gets its challenge (RFC 6749 §5.2), which openid-client reports as such.
    const wrongBasic = await discover('basic-app', oidc.ClientSecretBasic('not-the-secret'));
    const refused = await oidc.initiateDeviceAuthorization(wrongBasic, {}).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
    expect((refused as oidc.WWWAuthenticateChallengeError).response?.status).toBe(401);

    advanceBeforePoll = [];
    const basic = await discover('basic-app', oidc.ClientSecretBasic('basic-secret'));
    const started = await oidc.initiateDeviceAuthorization(basic, {});
    // The device code is good only in the hands of the client it was issued to.
    const other = await discover('post-app', oidc.ClientSecretPost('post-secret'));
    const polling = oidc.pollDeviceAuthorizationGrant(basic, started);
    const stolen = await oidc.pollDeviceAuthorizationGrant(other, started).catch((error: unknown) => error);
    expect(stolen).toMatchObject({ error: 'invalid_grant' });
    const scanned = await phone('user-codes/scan', { userCode: started.user_code });
    expect(scanned.status).toBe(200);
    await phone('user-codes/confirm', { userCode: started.user_code });
    await expect(polling).resolves.toMatchObject({ access_token: 'session-for-u-alice' });
  }, 30_000);

  it('answers RFC 6749 errors as JSON with status 400 and no-store, and counts no secret in the clear', async () => {
    const token = (form: Record<string, string>) =>
      request(`${url}/qr-login/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
    const wrongGrant = await token({ client_id: 'tv-app', grant_type: 'authorization_code', code: 'x' });
    expect(wrongGrant.status).toBe(400);
    expect(wrongGrant.body).toEqual({ error: 'unsupported_grant_type', error_description: expect.any(String) });
    expect(wrongGrant.headers.get('cache-control')).toBe('no-store');
    const forged = await token({
      client_id: 'tv-app',
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: 'abc',
    });
    expect(forged.status).toBe(400);
    expect(forged.body.error).toBe('invalid_grant');
    const noClient = await token({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'abc' });
    expect(noClient.status).toBe(401);
    expect(noClient.body.error).toBe('invalid_client');
  });

  it('refuses a Basic client naming another client_id in the body (400), and a client_secret_post client without its secret (401)', async () => {
    const authorize = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      request(`${url}/qr-login/device_authorization`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(form).toString(),
      });
    const basic = { authorization: `Basic ${Buffer.from('basic-app:basic-secret').toString('base64')}` };
    const otherId = await authorize({ client_id: 'post-app' }, basic);
    expect([otherId.status, otherId.body.error]).toEqual([400, 'invalid_request']);
    const noSecret = await authorize({ client_id: 'post-app' });
    expect([noSecret.status, noSecret.body.error]).toEqual([401, 'invalid_client']);
    // Both clients are served when they authenticate as registered.
    expect((await authorize({ client_id: 'basic-app' }, basic)).status).toBe(200);
    expect((await authorize({ client_id: 'post-app', client_secret: 'post-secret' })).status).toBe(200);
  });
});

async function eventually(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
