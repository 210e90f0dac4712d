import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type INestApplication } from '@nestjs/common';
import { QrLoginModule } from '../../lib';
import { QrLoginGenAuthModule } from '../../lib/plugins/genauth';
import { createTestApp, fixtureOptions } from '../app/test-app';

/* QrLoginGenAuthModule, a plugin beside QrLoginModule: what it mounts, through forRoot and forRootAsync, and what it refuses at start-up. */

const tokenSet = () => ({ access_token: 'a', expires_in: 60 });

async function listen(imports: any[]): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({ imports }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

describe('QrLoginGenAuthModule', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('mounts no compatible route unless imported, and leaves the native routes as they are', async () => {
    const started = await createTestApp({ adapter: 'express' });
    app = started.app;
    const v3 = await fetch(`${started.url}/api/v3/gene-qrcode`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(v3.status).toBe(404);
    expect((await fetch(`${started.url}/api/v2/qrcode/check?random=x`)).status).toBe(404);
    expect((await fetch(`${started.url}/qr-login/qrcodes`, { method: 'POST' })).status).toBe(201);
  });

  it('mounts each route set on its own flag', async () => {
    const started = await createTestApp({
      adapter: 'fastify',
      genauth: { v3: false, v2: true },
      options: { issueTokenSet: tokenSet },
    });
    app = started.app;
    const v2 = await fetch(`${started.url}/api/v2/qrcode/gene`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(((await v2.json()) as { code: number }).code).toBe(200);
    const v3 = await fetch(`${started.url}/api/v3/gene-qrcode`, {
      method: 'POST',
      body: '{"type":"MOBILE_APP"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(v3.status).toBe(404);
  });

  it('takes its route settings beside the factory in forRootAsync, wherever it is imported', async () => {
    ({ app } = await listen([
      QrLoginModule.forRootAsync({ useFactory: async () => fixtureOptions({ issueTokenSet: tokenSet }) }),
      QrLoginGenAuthModule.forRootAsync({
        v3: true,
        useFactory: async () => ({ tokenEndpointAuthMethod: 'none' as const }),
      }),
    ]));
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const answer = await fetch(`${url}/api/v3/gene-qrcode`, {
      method: 'POST',
      body: '{"type":"MOBILE_APP"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(await answer.json()).toMatchObject({ statusCode: 200, data: { qrcodeId: expect.any(String) } });
  });

  it('stops the app at start-up when a secret method has no credentials', async () => {
    const start = listen([
      QrLoginModule.forRoot(fixtureOptions({ issueTokenSet: tokenSet })),
      QrLoginGenAuthModule.forRootAsync({
        useFactory: () => ({ tokenEndpointAuthMethod: 'client_secret_basic' as const }),
      }),
    ]);
    await expect(start).rejects.toThrow(/clientId .*clientSecret/);
  });

  it('stops the app at start-up when no hook issues a token set, or when QrLoginModule is missing', async () => {
    const noHook = fixtureOptions();
    delete noHook.issueTokenSet;
    await expect(listen([QrLoginModule.forRoot(noHook), QrLoginGenAuthModule.forRoot({})])).rejects.toThrow(
      /set issueTokenSet/,
    );
    // Without QrLoginModule, Nest itself names the missing kernel service.
    await expect(listen([QrLoginGenAuthModule.forRoot({})])).rejects.toThrow(
      /argument QrLoginService at index \[\d+\] is available/,
    );
  });
});
