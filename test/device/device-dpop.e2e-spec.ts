import type { INestApplication } from '@nestjs/common';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS } from '../app/test-app';
import { newDpopKey } from '../support/dpop';
import { asUser, request } from '../support/http';
import { createDeviceTestApp } from './device-test-app';

/*
 * The device grant bound to a key (RFC 9449, draft-parecki-oauth-dpop-device-flow),
 * driven by oauth4webapi's own DPoP support, unpatched: discovery advertises
 * the proof algorithms, the device authorization names the key (`dpop_jkt`),
 * each token request carries a proof by it (oauth4webapi's DPoP handle), and
 * the token answered is a DPoP token whose hooks saw the thumbprint. A poll
 * without a proof, or with another key's, gets `invalid_dpop_proof`.
 */

const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe.each(ADAPTERS)('the device grant with DPoP (oauth4webapi) on %s', (adapter) => {
  let app: INestApplication;
  let url: string;
  let as: oauth.AuthorizationServer;
  const client: oauth.Client = { client_id: 'tv-app' };

  beforeAll(async () => {
    ({ app, url } = await createDeviceTestApp({
      adapter,
      grant: { interval: 1 },
      options: {
        issueTokenSet: (user: any, context) => ({
          access_token: `session-for-${user.id}${context.dpop ? `~cnf.jkt=${context.dpop.jkt}` : ''}`,
          expires_in: 3600,
        }),
      },
    }));
    const issuer = new URL(url);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
  });
  afterAll(() => app?.close());

  const phone = (path: string, json: unknown) =>
    request(`${url}/qr-login/${path}`, { method: 'POST', json, headers: asUser('alice') });

  async function startBoundFlow(keyPair: CryptoKeyPair) {
    const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey), 'sha256');
    const response = await oauth.deviceAuthorizationRequest(as, client, oauth.None(), { dpop_jkt: jkt }, insecure);
    const started = await oauth.processDeviceAuthorizationResponse(as, client, response);
    expect((await phone('user-codes/scan', { userCode: started.user_code })).status).toBe(200);
    expect((await phone('user-codes/confirm', { userCode: started.user_code })).body.status).toBe('AUTHORIZED');
    return { jkt, started };
  }

  it('advertises ES256 for DPoP proofs in discovery', () => {
    expect(as.dpop_signing_alg_values_supported).toEqual(['ES256']);
  });

  it('issues a DPoP token to the key named at device_authorization, and refuses the token request without its proof', async () => {
    const keyPair = await oauth.generateKeyPair('ES256');
    const { jkt, started } = await startBoundFlow(keyPair);

    // The device code alone, without a proof: refused, and the flow is not spent.
    const bare = await oauth.deviceCodeGrantRequest(as, client, oauth.None(), started.device_code, insecure);
    expect(bare.status).toBe(400);
    expect(((await bare.json()) as { error: string }).error).toBe('invalid_dpop_proof');
    // A proof by another key: refused too.
    const other = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const stolen = await oauth.deviceCodeGrantRequest(as, client, oauth.None(), started.device_code, {
      DPoP: other,
      ...insecure,
    });
    expect(((await stolen.json()) as { error: string }).error).toBe('invalid_dpop_proof');

    const DPoP = oauth.DPoP(client, keyPair);
    const response = await oauth.deviceCodeGrantRequest(as, client, oauth.None(), started.device_code, {
      DPoP,
      ...insecure,
    });
    const tokens = await oauth.processDeviceCodeResponse(as, client, response);
    expect(tokens.token_type).toBe('dpop');
    expect(tokens.access_token).toBe(`session-for-u-alice~cnf.jkt=${jkt}`);
  });

  it('binds the flow to the key of a DPoP proof at device_authorization, and refuses a dpop_jkt naming another key', async () => {
    const key = await newDpopKey();
    const endpoint = `${url}/qr-login/device_authorization`;
    const form = (extra: Record<string, string> = {}) =>
      new URLSearchParams({ client_id: 'tv-app', ...extra }).toString();
    const headers = async () => ({
      'content-type': 'application/x-www-form-urlencoded',
      dpop: await key.proof('POST', endpoint),
    });
    const mismatch = await request(endpoint, {
      body: form({ dpop_jkt: (await newDpopKey()).jkt }),
      headers: await headers(),
    });
    expect([mismatch.status, mismatch.body.error]).toEqual([400, 'invalid_dpop_proof']);
    const started = await request(endpoint, { body: form(), headers: await headers() });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    await phone('user-codes/scan', { userCode: started.body.user_code });
    await phone('user-codes/confirm', { userCode: started.body.user_code });
    const tokenUrl = `${url}/qr-login/token`;
    const grant = new URLSearchParams({
      client_id: 'tv-app',
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: started.body.device_code,
    }).toString();
    const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
    const wrongUrl = await request(tokenUrl, {
      body: grant,
      headers: { ...formHeaders, dpop: await key.proof('POST', endpoint) },
    });
    expect([wrongUrl.status, wrongUrl.body.error]).toEqual([400, 'invalid_dpop_proof']);
    const tokens = await request(tokenUrl, {
      body: grant,
      headers: { ...formHeaders, dpop: await key.proof('POST', tokenUrl) },
    });
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'DPoP', access_token: `session-for-u-alice~cnf.jkt=${key.jkt}` });
  });
});
