import type { INestApplication } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, type AdapterName } from '../../../test/app/test-app';
import { newDpopKey } from '../../../test/support/dpop';
import { nativeClient, request } from '../../../test/support/http';
import type { QrLoginModuleOptions } from '../../qr-login.module-options';
import { dpopJktOf, markDpopJkt } from './qr-login-dpop.guard';

/*
 * Where the guard finds a DPoP proof (the header, or the `dpop` query
 * parameter on a GET), that it refuses a bad one with its code, lets a request
 * without one through, and reads none with `creatorBinding: 'secret'`. Over
 * real HTTP on both adapters; apps are made inside the tests.
 */

const open: INestApplication[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((app) => app.close()));
});

async function appWithCode(adapter: AdapterName, options: Partial<QrLoginModuleOptions> = {}) {
  const { app, url } = await createTestApp({ adapter, options });
  open.push(app);
  const client = nativeClient(url);
  const id: string = (await client.create()).body.qrcodeId;
  return { client, statusUrl: `${client.root}/qrcodes/${id}` };
}

describe('markDpopJkt', () => {
  it('marks a request again with a later key (the mark stays configurable)', () => {
    const request = {};
    markDpopJkt(request, 'first');
    markDpopJkt(request, 'second');
    expect(dpopJktOf(request)).toBe('second');
    expect(Object.keys(request)).toEqual([]);
    expect(dpopJktOf(undefined)).toBeUndefined();
  });
});

describe.each(ADAPTERS)('QrLoginDpopGuard on %s', (adapter) => {
  it('lets a request without a proof through', async () => {
    const { statusUrl } = await appWithCode(adapter);
    const status = await request(statusUrl);
    expect(status.status).toBe(200);
    expect(status.body.status).toBe('PENDING');
  });

  it('verifies a proof in the DPoP header: a good one passes, a bad one is refused with its code', async () => {
    const { statusUrl } = await appWithCode(adapter);
    const key = await newDpopKey();
    const good = await request(statusUrl, { headers: { dpop: await key.proof('GET', statusUrl) } });
    expect(good.status).toBe(200);
    expect(good.body.status).toBe('PENDING');
    const bad = await request(statusUrl, { headers: { dpop: 'not-a-proof' } });
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe('QR_DPOP_INVALID');
    // A proof for another URL is refused too: it is verified, not only parsed.
    const elsewhere = await request(statusUrl, { headers: { dpop: await key.proof('GET', `${statusUrl}/image`) } });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body.code).toBe('QR_DPOP_URL_MISMATCH');
  });

  it('reads the dpop query parameter on a GET, checked against the URL without its query', async () => {
    const { statusUrl } = await appWithCode(adapter);
    const key = await newDpopKey();
    const proof = await key.proof('GET', statusUrl);
    const good = await request(`${statusUrl}?dpop=${proof}`);
    expect(good.status).toBe(200);
    expect(good.body.status).toBe('PENDING');
    const bad = await request(`${statusUrl}?dpop=not-a-proof`);
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe('QR_DPOP_INVALID');
    // Repeated, the parameter is joined with commas as a repeated header is: a proof split in two is no proof.
    const cut = proof.length >> 1;
    const split = await request(`${statusUrl}?dpop=${proof.slice(0, cut)}&dpop=${proof.slice(cut)}`);
    expect(split.status).toBe(401);
    expect(split.body.code).toBe('QR_DPOP_INVALID');
  });

  it('prefers the header to the query parameter', async () => {
    const { statusUrl } = await appWithCode(adapter);
    const key = await newDpopKey();
    const proof = await key.proof('GET', statusUrl);
    const refused = await request(`${statusUrl}?dpop=${proof}`, { headers: { dpop: 'not-a-proof' } });
    expect(refused.status).toBe(401);
    const passed = await request(`${statusUrl}?dpop=not-a-proof`, { headers: { dpop: proof } });
    expect(passed.status).toBe(200);
  });

  it('reads no query parameter on other methods', async () => {
    const { client } = await appWithCode(adapter);
    const created = await request(`${client.root}/qrcodes?dpop=not-a-proof`, { method: 'POST', json: {} });
    expect(created.status).toBe(201);
    expect(created.body.qrcodeId).toMatch(/^[\w-]{27}$/);
  });

  it("reads no proof at all with creatorBinding: 'secret'", async () => {
    const { statusUrl } = await appWithCode(adapter, { creatorBinding: 'secret' });
    const status = await request(statusUrl, { headers: { dpop: 'not-a-proof' } });
    expect(status.status).toBe(200);
    expect(status.body.status).toBe('PENDING');
  });
});
