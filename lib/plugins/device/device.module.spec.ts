import { connect } from 'node:net';
import { Injectable, UseGuards, type CanActivate, type ExecutionContext, type INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeviceTestApp, startDeviceModules } from '../../../test/device/device-test-app';
import { requestDeviceToken, startDeviceAuthorization } from '../../../test/support/device-grant';
import { asUser, request } from '../../../test/support/http';
import { DEVICE_CODE_GRANT_TYPE } from './device.constants';
import { QrLoginDeviceGrantModule } from './device.module';

/*
 * The module and its controllers as an app mounts them, over real HTTP on one
 * adapter (the end-to-end suites drive both adapters and real OAuth clients):
 * the routes, their caching headers, what the controller hands the service
 * from a request, discovery, and the start-up checks of the module.
 */

/** Refuses any request that carries `x-deny`, to see that `routeDecorators` reach the grant's routes. */
@Injectable()
class DenyMarkedRequests implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest().headers['x-deny'] === undefined;
  }
}

describe('QrLoginDeviceGrantModule over HTTP', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await createDeviceTestApp({ adapter: 'express' }));
  });

  afterAll(() => app?.close());

  it('starts a flow on POST device_authorization, never cached', async () => {
    const started = await startDeviceAuthorization(url);
    expect(started.status).toBe(200);
    expect(started.headers.get('cache-control')).toBe('no-store');
    expect(started.body).toMatchObject({ device_code: expect.any(String), user_code: expect.any(String) });
    expect(started.body.verification_uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
  });

  it('answers a poll on POST token as pending, never cached', async () => {
    const started = await startDeviceAuthorization(url);
    const polled = await requestDeviceToken(url, started.body.device_code);
    expect(polled.status).toBe(400);
    expect(polled.body.error).toBe('authorization_pending');
    expect(polled.headers.get('cache-control')).toBe('no-store');
    expect(polled.headers.get('pragma')).toBe('no-cache');
  });

  it('answers the token set once the phone confirmed, never cached', async () => {
    const started = await startDeviceAuthorization(url);
    const phone = (path: string) =>
      request(`${url}/qr-login/user-codes/${path}`, {
        json: { userCode: started.body.user_code },
        headers: asUser('alice'),
      });
    expect((await phone('scan')).status).toBe(200);
    expect((await phone('confirm')).body.status).toBe('AUTHORIZED');
    const token = await requestDeviceToken(url, started.body.device_code);
    expect(token.status).toBe(200);
    expect(token.body.access_token).toBe('session-for-u-alice');
    expect(token.headers.get('cache-control')).toBe('no-store');
    expect(token.headers.get('pragma')).toBe('no-cache');
  });

  it('hands the service the Authorization header: a Basic client is known by it', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const basic = `Basic ${Buffer.from('basic-app:basic-secret').toString('base64')}`;
    const started = await request(`${url}/qr-login/device_authorization`, {
      headers: { ...form, authorization: basic },
      body: '',
    });
    expect(started.status).toBe(200);
    const unauthenticated = await request(`${url}/qr-login/device_authorization`, {
      headers: form,
      body: new URLSearchParams({ client_id: 'basic-app' }).toString(),
    });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.body.error).toBe('invalid_client');
    const polled = await request(`${url}/qr-login/token`, {
      headers: { ...form, authorization: basic },
      body: new URLSearchParams({
        grant_type: DEVICE_CODE_GRANT_TYPE,
        device_code: started.body.device_code,
      }).toString(),
    });
    expect(polled.body.error).toBe('authorization_pending');
  });

  it('hands the service a DPoP header, checked as a proof; without one the flow is not key-bound', async () => {
    const refused = await startDeviceAuthorization(url, 'tv-app', { dpop: 'not-a-proof' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_dpop_proof');
    const started = await startDeviceAuthorization(url);
    expect(started.status).toBe(200);
    const polled = await requestDeviceToken(url, started.body.device_code);
    expect(polled.body.error).toBe('authorization_pending');
  });

  it('serves RFC 8414 metadata with discovery: true, for the origin the request was made to', async () => {
    const metadata = await request(`${url}/.well-known/oauth-authorization-server`);
    expect(metadata.status).toBe(200);
    expect(metadata.headers.get('cache-control')).toBe('public, max-age=300');
    expect(metadata.body.issuer).toBe(url);
    expect(metadata.body.device_authorization_endpoint).toBe(`${url}/qr-login/device_authorization`);
    expect(metadata.body.token_endpoint).toBe(`${url}/qr-login/token`);
  });
});

describe('QrLoginDeviceGrantModule mounting', () => {
  // Apps are made inside the tests here: mutation testing sees what a test reached, not what a hook did.
  it('serves the metadata with discovery: true only', async () => {
    for (const discovery of [true, undefined]) {
      const { app, url } = await createDeviceTestApp({ adapter: 'express', grant: { discovery } });
      try {
        const metadata = await request(`${url}/.well-known/oauth-authorization-server`);
        expect(metadata.status, String(discovery)).toBe(discovery ? 200 : 404);
      } finally {
        await app.close();
      }
    }
  });

  it('puts the app routeDecorators on both controllers', async () => {
    const { app, url } = await createDeviceTestApp({
      adapter: 'express',
      grant: { routeDecorators: [UseGuards(DenyMarkedRequests)] },
    });
    try {
      const denied = { 'x-deny': '1' };
      expect((await startDeviceAuthorization(url, 'tv-app', denied)).status).toBe(403);
      expect((await request(`${url}/.well-known/oauth-authorization-server`, { headers: denied })).status).toBe(403);
      expect((await request(`${url}/.well-known/oauth-authorization-server`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('takes localhost as the host of an HTTP/1.0 request that names none', async () => {
    const { app, url } = await createDeviceTestApp({ adapter: 'express' });
    try {
      const socket = connect(Number(new URL(url).port), '127.0.0.1');
      socket.end('GET /.well-known/oauth-authorization-server HTTP/1.0\r\n\r\n');
      let answer = '';
      for await (const chunk of socket) answer += chunk;
      expect(answer).toMatch(/^HTTP\/1\.[01] 200 /);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).issuer).toBe('http://localhost');
    } finally {
      await app.close();
    }
  });

  it('names itself when routeDecorators is not a list of decorators', () => {
    expect(() => QrLoginDeviceGrantModule.forRoot({ clients: [], routeDecorators: ['Public'] as never })).toThrow(
      /QrLoginDeviceGrantModule\.forRoot\(\{ routeDecorators: \[Public\(\)\] \}\)/,
    );
  });

  it('mounts the grant under the shared routePrefix', async () => {
    const { app, url } = await createDeviceTestApp({
      adapter: 'express',
      options: { routePrefix: 'auth/qr' },
      grant: { routePrefix: 'auth/qr' },
    });
    try {
      const started = await request(`${url}/auth/qr/device_authorization`, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'client_id=tv-app',
      });
      expect(started.status).toBe(200);
      expect((await startDeviceAuthorization(url)).status).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('starts beside a kernel with token sets, user codes and the same routePrefix', async () => {
    await expect(startDeviceModules({})).resolves.toBeUndefined();
  });

  it('refuses to start without an issueTokenSet hook', async () => {
    await expect(startDeviceModules({ issueTokenSet: undefined })).rejects.toThrow(
      /has no issueTokenSet hook: set one returning/,
    );
  });

  it('refuses to start when the kernel hands out no user codes', async () => {
    await expect(startDeviceModules({ userCodes: false })).rejects.toThrow(
      /has userCodes: false; leave that option out/,
    );
  });

  it('refuses to start under another routePrefix than the kernel', async () => {
    await expect(startDeviceModules({ routePrefix: 'auth/qr' })).rejects.toThrow(
      /its routePrefix "qr-login" differs from QrLoginModule's "auth\/qr"; give QrLoginDeviceGrantModule the same routePrefix/,
    );
  });
});
