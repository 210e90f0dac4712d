import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QrLoginPasskeyStore, QrLoginStore } from '../../lib';
import { createTestApp } from '../app/test-app';
import { asUser, creatorHeader, nativeClient, request } from '../support/http';
import { redisStoreKind } from '../support/stores';
import { postgresStoreKind } from '../support/postgres-store-kind';
import { RedisQrLoginPasskeyStore, type RedisQrLoginStore } from '../../lib/stores/redis';
import { PostgresQrLoginPasskeyStore, type PostgresQrLoginStore } from '../../lib/stores/postgres';
import { useChromium } from './support/browser';
import { useBuiltClient } from './support/build-client';
import { freePort, onPhone, openPhone, phoneAt, SIGN, type PhonePage } from './support/phone-passkey';

/*
 * Two instances behind one backend, as behind a load balancer: instance A
 * (Express) and B (Fastify) share the codes and the passkeys, in Redis or in
 * PostgreSQL. The phone registers its passkey on A and approves on B; the
 * counter B accepted is what A reads, and an assertion B took once is a
 * replay on A.
 */

/** The passkey store of one instance, on the client or pool of that instance's code store. */
async function passkeysBeside(kind: string, store: QrLoginStore): Promise<QrLoginPasskeyStore> {
  if (kind === 'redis') return new RedisQrLoginPasskeyStore({ client: (store as RedisQrLoginStore).client });
  const passkeys = new PostgresQrLoginPasskeyStore({ pool: (store as PostgresQrLoginStore).pool });
  await passkeys.ensureSchema();
  return passkeys;
}

const chromium = useChromium();
const client = useBuiltClient();

describe.each([redisStoreKind, postgresStoreKind])('passkeys shared by two instances over $name', (kind) => {
  const apps: INestApplication[] = [];
  const origins: string[] = [];
  const passkeys: QrLoginPasskeyStore[] = [];
  let phone: PhonePage;

  beforeAll(async () => {
    await kind.setup();
    origins.push(`http://localhost:${await freePort()}`, `http://localhost:${await freePort()}`);
    for (const [index, adapter] of (['express', 'fastify'] as const).entries()) {
      const store = kind.make();
      passkeys.push(await passkeysBeside(kind.name, store));
      const started = await createTestApp({
        adapter,
        store,
        port: Number(new URL(origins[index]).port),
        options: {
          numberMatching: true,
          approval: 'passkey',
          passkeys: { rpId: 'localhost', origins, store: passkeys[index] },
        },
      });
      apps.push(started.app);
    }
    phone = await openPhone(chromium.browser, origins[0], client.dir, 'token-alice');
  }, 90_000);
  afterAll(async () => {
    await phone?.context.close();
    for (const app of apps) await app.close();
    await kind.teardown();
  });

  it('registers on A, approves on B; the counter and the once-only memory are shared', async () => {
    const registered = await onPhone(phone.page, 'return qr.registerPasskey();');
    expect(registered).toMatchObject({ ok: true, value: { id: expect.any(String) } });
    const id = (registered as { value: { id: string } }).value.id;
    const [onB] = await passkeys[1].listByUser('u-alice');
    expect(onB.id).toBe(id);

    // The phone now talks to B; its tab keeps the authenticator.
    await phoneAt(phone.page, origins[1], client.dir, 'token-alice');
    const b = nativeClient(origins[1]);
    const created = await b.create();
    const scan = await onPhone(phone.page, 'return qr.scan(arg);', created.body.qrcodeId);
    expect(scan).toMatchObject({ ok: true, value: { approval: { method: 'passkey' } } });
    const challenge = await onPhone(phone.page, 'return app.passkeyChallengeFor(arg.scan, arg.match);', {
      scan: (scan as { value: unknown }).value,
      match: created.body.matchCode,
    });
    const assertion = await onPhone(phone.page, SIGN, {
      qrcodeId: created.body.qrcodeId,
      matchCode: created.body.matchCode,
      challenge: (challenge as { value: string }).value,
    });
    expect(assertion).toMatchObject({ ok: true });
    const body = { matchCode: created.body.matchCode, passkey: (assertion as { value: unknown }).value };
    const confirmed = await request(`${b.root}/qrcodes/${created.body.qrcodeId}/confirm`, {
      json: body,
      headers: asUser('alice'),
    });
    expect(confirmed.status).toBe(200);
    expect((await b.status(created.body.qrcodeId, creatorHeader(created))).body.status).toBe('AUTHORIZED');
    // What B accepted, A sees: the counter moved, and the same assertion is a replay there.
    expect((await passkeys[0].get(id))!.counter).toBeGreaterThan(onB.counter);
    const replayed = await request(`${nativeClient(origins[0]).root}/qrcodes/${created.body.qrcodeId}/confirm`, {
      json: body,
      headers: asUser('alice'),
    });
    expect(replayed.status).toBe(403);
    expect(replayed.body.code).toBe('QR_PASSKEY_REPLAYED');
  });

  it('keeps a credential once, moves its counter only from the value read, and lists it for its user only', async () => {
    const [a, b] = passkeys;
    const credential = { id: `cred-${kind.name}`, userId: 'u-bob', publicKey: 'pk', counter: 3, createdAt: 1 };
    expect(await a.add(credential)).toBe(true);
    expect(await b.add({ ...credential, userId: 'u-alice' })).toBe(false);
    expect((await b.listByUser('u-bob')).map((found) => found.id)).toEqual([credential.id]);
    expect(await b.listByUser('u-nobody')).toEqual([]);
    expect(await a.updateCounter(credential.id, 3, 4)).toBe(true);
    // B read 3 before A moved it: its update must not land.
    expect(await b.updateCounter(credential.id, 3, 5)).toBe(false);
    expect((await b.get(credential.id))!.counter).toBe(4);
    expect(await a.get('no-such-credential')).toBeNull();
  });
});
