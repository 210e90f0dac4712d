import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type INestApplication } from '@nestjs/common';
import { QrLoginModule } from '../../lib';
import { createTestApp, fixtureOptions } from '../app/test-app';

/* The `compat` module setting: what it mounts, through forRoot and forRootAsync, and what it refuses at start-up. */

const tokenSet = () => ({ access_token: 'a', expires_in: 60 });

describe('compat module setting', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('mounts no compatible route unless asked, and leaves the native routes as they are', async () => {
    const started = await createTestApp({ adapter: 'express' });
    app = started.app;
    const v3 = await fetch(`${started.url}/api/v3/gene-qrcode`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(v3.status).toBe(404);
    expect((await fetch(`${started.url}/api/v2/qrcode/check?random=x`)).status).toBe(404);
    expect((await fetch(`${started.url}/qr-login/qrcodes`, { method: 'POST' })).status).toBe(201);
  });

  it('mounts each route set on its own flag', async () => {
    const started = await createTestApp({ adapter: 'fastify', compat: { genauthV2: true }, options: { issueTokenSet: tokenSet } });
    app = started.app;
    const v2 = await fetch(`${started.url}/api/v2/qrcode/gene`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(((await v2.json()) as { code: number }).code).toBe(200);
    const v3 = await fetch(`${started.url}/api/v3/gene-qrcode`, { method: 'POST', body: '{"type":"MOBILE_APP"}', headers: { 'content-type': 'application/json' } });
    expect(v3.status).toBe(404);
  });

  it('takes compat beside the factory in forRootAsync', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        QrLoginModule.forRootAsync({
          compat: { genauthV3: true },
          useFactory: async () => fixtureOptions({ issueTokenSet: tokenSet }),
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const answer = await fetch(`${url}/api/v3/gene-qrcode`, { method: 'POST', body: '{"type":"MOBILE_APP"}', headers: { 'content-type': 'application/json' } });
    expect(await answer.json()).toMatchObject({ statusCode: 200, data: { qrcodeId: expect.any(String) } });
  });

  it('stops the app at start-up when a secret method has no credentials', async () => {
    const start = Test.createTestingModule({
      imports: [
        QrLoginModule.forRootAsync({
          compat: { genauthV3: true },
          useFactory: () => fixtureOptions({ issueTokenSet: tokenSet, genauth: { tokenEndpointAuthMethod: 'client_secret_basic' } }),
        }),
      ],
    }).compile();
    await expect(start).rejects.toThrow(/genauth\.clientId .*genauth\.clientSecret/);
  });
});
