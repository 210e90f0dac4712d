import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QrLoginModuleOptions } from '../../lib';
import { ADAPTERS, createTestApp } from '../app/test-app';
import { newDpopKey, type DpopKey } from '../support/dpop';
import { asUser, creatorHeader, nativeClient, request } from '../support/http';
import { SHARED_STORE_KINDS, memoryStoreKind, type StoreKind } from '../support/stores';

/*
 * DPoP proofs where the URL is the public one a proxy shows, and where two
 * instances share one store: a proof's `htu` names what the browser sees
 * (the app's trust-proxy setting decides), and a `jti` used on one instance
 * is refused on the other. Also the `creatorBinding` modes.
 */

/** What a browser sees behind the load balancer: https on a public host, forwarded to the instances. */
const PUBLIC = 'https://login.example';
const FORWARDED = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'login.example' };

describe.each(SHARED_STORE_KINDS)('DPoP proofs across two instances on the $name store', (kind: StoreKind) => {
  beforeAll(() => kind.setup());
  afterAll(() => kind.teardown());

  describe.each(ADAPTERS)('on %s', (adapter) => {
    const apps: INestApplication[] = [];
    let a: ReturnType<typeof nativeClient>;
    let b: ReturnType<typeof nativeClient>;
    let key: DpopKey;
    beforeAll(async () => {
      const started = await Promise.all(
        [0, 1].map(() => createTestApp({ adapter, store: kind.make(), trustProxy: true })),
      );
      apps.push(...started.map((s) => s.app));
      [a, b] = started.map((s) => nativeClient(s.url));
      key = await newDpopKey();
    });
    afterAll(() => Promise.all(apps.map((app) => app.close())));

    it('checks htu against the public URL behind the proxy, and refuses on B a proof A accepted', async () => {
      const created = await a.create({}, { ...FORWARDED, dpop: await key.proof('POST', `${PUBLIC}/qr-login/qrcodes`) });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const id = created.body.qrcodeId;
      await b.act(id, 'scan', asUser('alice'));
      await b.act(id, 'confirm', asUser('alice'));
      const publicUrl = `${PUBLIC}/qr-login/qrcodes/${id}`;
      const proof = await key.proof('GET', publicUrl);
      const onA = await a.status(id, { ...FORWARDED, dpop: proof });
      expect(onA.body.ticket).toEqual(expect.any(String));
      const onB = await b.status(id, { ...FORWARDED, dpop: proof });
      expect([onB.status, onB.body.code]).toEqual([401, 'QR_DPOP_REPLAYED']);
      // The same proof seen at the instance's own address is for another URL.
      const direct = await b.status(id, { dpop: await key.proof('GET', publicUrl) });
      expect([direct.status, direct.body.code]).toEqual([401, 'QR_DPOP_URL_MISMATCH']);
      const login = await b.login(onA.body.ticket, {
        ...FORWARDED,
        dpop: await key.proof('POST', `${PUBLIC}/qr-login/login`),
      });
      expect(login.status, JSON.stringify(login.body)).toBe(200);
    });
  });
});

describe.each(ADAPTERS)('creatorBinding on %s', (adapter) => {
  const apps: INestApplication[] = [];
  afterAll(() => Promise.all(apps.map((app) => app.close())));
  async function start(options: Partial<QrLoginModuleOptions>) {
    const started = await createTestApp({ adapter, store: memoryStoreKind.make(), options });
    apps.push(started.app);
    return nativeClient(started.url);
  }

  it("'dpop' refuses a create without a proof with QR_DPOP_PROOF_REQUIRED and takes one with a proof", async () => {
    const api = await start({ creatorBinding: 'dpop' });
    const bare = await api.create({});
    expect([bare.status, bare.body.code]).toEqual([401, 'QR_DPOP_PROOF_REQUIRED']);
    const key = await newDpopKey();
    const keyed = await api.create({}, { dpop: await key.proof('POST', `${api.root}/qrcodes`) });
    expect(keyed.status).toBe(201);
  });

  it("'secret' reads no proof: the code stays secret-bound", async () => {
    const api = await start({ creatorBinding: 'secret' });
    const key = await newDpopKey();
    const created = await api.create({}, { dpop: await key.proof('POST', `${api.root}/qrcodes`) });
    const id = created.body.qrcodeId;
    await api.act(id, 'scan', asUser('alice'));
    await api.act(id, 'confirm', asUser('alice'));
    const seen = await api.status(id, creatorHeader(created));
    expect((await api.login(seen.body.ticket, creatorHeader(created))).status).toBe(200);
  });

  it('refuses an unknown creatorBinding at start-up', async () => {
    await expect(start({ creatorBinding: 'key' as never })).rejects.toThrow(/"creatorBinding" must be/);
  });

  it('answers 401 QR_DPOP_INVALID for two DPoP headers', async () => {
    const api = await start({});
    const key = await newDpopKey();
    const proof = await key.proof('POST', `${api.root}/qrcodes`);
    const twice = await request(`${api.root}/qrcodes`, {
      method: 'POST',
      json: {},
      headers: { dpop: `${proof}, ${proof}` },
    });
    expect([twice.status, twice.body.code]).toEqual([401, 'QR_DPOP_INVALID']);
  });
});
