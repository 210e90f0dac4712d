import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QrLoginModuleOptions, QrLoginStore } from '../../lib';
import { ADAPTERS, createTestApp, type AdapterName } from '../app/test-app';
import { eventually, openSse, statusesOf, type SseReader } from '../support/sse';
import { SHARED_STORE_KINDS, type StoreKind } from '../support/stores';

/*
 * Two app instances share one real store server (Redis, PostgreSQL), as they
 * would behind a load balancer, and every step of a login may land on either.
 */

interface Instance {
  name: string;
  app: INestApplication;
  url: string;
  store: QrLoginStore;
}

interface Reply {
  status: number;
  body: any;
}

const ALICE = 'Bearer token-alice';
const SECRET_HEADER = 'x-qr-login-secret';

async function api(
  instance: Instance,
  method: 'GET' | 'POST',
  path: string,
  options: { auth?: string; secret?: string; body?: unknown } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.auth) headers.authorization = options.auth;
  if (options.secret) headers[SECRET_HEADER] = options.secret;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${instance.url}/qr-login${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function createCode(instance: Instance): Promise<{ qrcodeId: string; creatorSecret: string }> {
  const created = await api(instance, 'POST', '/qrcodes', { body: {} });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

function openEvents(instance: Instance, qrcodeId: string, creatorSecret: string): Promise<SseReader> {
  return openSse(`${instance.url}/qr-login/qrcodes/${qrcodeId}/events`, { [SECRET_HEADER]: creatorSecret });
}

/** Fails instead of hanging when the server never ends a stream. */
async function endsWithin(reader: SseReader, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      reader.ended,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the stream did not end within ${ms} ms: ${statusesOf(reader)}`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function eventData(reader: SseReader, index: number): any {
  return JSON.parse(reader.events[index].data);
}

function count(replies: Reply[], status: number): number {
  return replies.filter((reply) => reply.status === status).length;
}

/**
 * The whole login across instances: create and watch on `web`, scan and
 * confirm on `phone`, redeem on `phone`; the ticket then works nowhere.
 */
async function loginAcross(web: Instance, phone: Instance): Promise<void> {
  const { qrcodeId, creatorSecret } = await createCode(web);
  const stream = await openEvents(web, qrcodeId, creatorSecret);
  try {
    expect(stream.status).toBe(200);
    await stream.waitForEvents(1);
    expect((await api(phone, 'POST', `/qrcodes/${qrcodeId}/scan`, { auth: ALICE })).status).toBe(200);
    await stream.waitForEvents(2);
    expect((await api(phone, 'POST', `/qrcodes/${qrcodeId}/confirm`, { auth: ALICE })).status).toBe(200);
    await stream.waitForEvents(3);
    await endsWithin(stream, 5_000);
    expect(statusesOf(stream)).toEqual(['PENDING', 'SCANNED', 'AUTHORIZED']);
    expect(eventData(stream, 1).briefUserInfo).toMatchObject({ displayName: 'Alice' });

    const ticket: string = eventData(stream, 2).ticket;
    expect(typeof ticket).toBe('string');
    const redeemed = await api(phone, 'POST', '/login', { secret: creatorSecret, body: { ticket } });
    expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(200);
    expect(redeemed.body).toMatchObject({ access_token: 'session-for-u-alice' });

    for (const instance of [web, phone]) {
      const again = await api(instance, 'POST', '/login', { secret: creatorSecret, body: { ticket } });
      expect(again.status, `second redemption on ${instance.name}`).toBe(401);
      expect(again.body.code).toBe('QR_TICKET_USED');
    }
  } finally {
    stream.close();
  }
}

/** Whether a change made on `phone` reaches a stream on `web`: both instances' connections, pub/sub included, work. */
async function changesReach(web: Instance, phone: Instance): Promise<boolean> {
  const created = await api(web, 'POST', '/qrcodes', { body: {} });
  if (created.status !== 201) return false;
  const { qrcodeId, creatorSecret } = created.body;
  const stream = await openEvents(web, qrcodeId, creatorSecret);
  try {
    if (stream.status !== 200) return false;
    await stream.waitForEvents(1, 3_000);
    if (statusesOf(stream)[0] !== 'PENDING') return false;
    if ((await api(phone, 'POST', `/qrcodes/${qrcodeId}/scan`, { auth: ALICE })).status !== 200) return false;
    await stream.waitForEvents(2, 3_000);
    return statusesOf(stream).join() === 'PENDING,SCANNED';
  } catch {
    return false;
  } finally {
    stream.close();
  }
}

describe.each(SHARED_STORE_KINDS)('scale-out over the $name store', (kind: StoreKind) => {
  const outage = kind.outage!;
  beforeAll(() => kind.setup());
  afterAll(() => kind.teardown());

  describe.each(ADAPTERS)('on %s', (adapter: AdapterName) => {
    const instances: Instance[] = [];
    let a: Instance;
    let b: Instance;

    async function startInstance(name: string, options: Partial<QrLoginModuleOptions> = {}): Promise<Instance> {
      const store = kind.make();
      try {
        const { app, url } = await createTestApp({ adapter, store, options });
        const instance = { name, app, url, store };
        instances.push(instance);
        return instance;
      } catch (error) {
        await store.close?.();
        throw error;
      }
    }

    beforeAll(async () => {
      a = await startInstance('A');
      b = await startInstance('B');
    });

    afterAll(async () => {
      await Promise.all(instances.splice(0).map((instance) => instance.app.close()));
    });

    it("create and SSE on A, scan and confirm on B, redeem on B: A's stream follows and the ticket works once", async () => {
      await loginAcross(a, b);
    });

    it('lets exactly one of 200 concurrent CONFIRMs split across A and B succeed', async () => {
      const { qrcodeId } = await createCode(a);
      expect((await api(b, 'POST', `/qrcodes/${qrcodeId}/scan`, { auth: ALICE })).status).toBe(200);
      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          api(i % 2 ? b : a, 'POST', `/qrcodes/${qrcodeId}/confirm`, { auth: ALICE }),
        ),
      );
      expect(count(replies, 200)).toBe(1);
      expect(count(replies, 409)).toBe(199);
      expect(
        replies.filter((reply) => reply.status === 409).every((reply) => reply.body.code === 'QR_WRONG_STATE'),
      ).toBe(true);
      expect((await api(a, 'GET', `/qrcodes/${qrcodeId}`)).body.status).toBe('AUTHORIZED');
    });

    it('lets exactly one of 200 concurrent redemptions of one ticket split across A and B succeed', async () => {
      const { qrcodeId, creatorSecret } = await createCode(a);
      expect((await api(b, 'POST', `/qrcodes/${qrcodeId}/scan`, { auth: ALICE })).status).toBe(200);
      expect((await api(a, 'POST', `/qrcodes/${qrcodeId}/confirm`, { auth: ALICE })).status).toBe(200);
      const status = await api(b, 'GET', `/qrcodes/${qrcodeId}`, { secret: creatorSecret });
      const ticket: string = status.body.ticket;
      expect(typeof ticket).toBe('string');

      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          api(i % 2 ? b : a, 'POST', '/login', { secret: creatorSecret, body: { ticket } }),
        ),
      );
      expect(count(replies, 200)).toBe(1);
      expect(count(replies, 401)).toBe(199);
      expect(
        replies.filter((reply) => reply.status === 401).every((reply) => reply.body.code === 'QR_TICKET_USED'),
      ).toBe(true);
    });

    it("reaches EXPIRED on every instance's stream when a code's lifetime passes, and the store drops the record", async () => {
      const c = await startInstance('C', { qrCodeTtl: 1 });
      const d = await startInstance('D', { qrCodeTtl: 1 });
      const { qrcodeId, creatorSecret } = await createCode(c);
      const streams = [await openEvents(c, qrcodeId, creatorSecret), await openEvents(d, qrcodeId, creatorSecret)];
      try {
        for (const stream of streams) {
          await stream.waitForEvents(2, 5_000);
          await endsWithin(stream, 2_000);
          expect(statusesOf(stream)).toEqual(['PENDING', 'EXPIRED']);
        }
        await eventually(
          async () => !(await kind.holds!(c.store, qrcodeId)),
          5_000,
          'the store to drop the expired record',
        );
        expect((await api(d, 'GET', `/qrcodes/${qrcodeId}`)).body.status).toBe('EXPIRED');
      } finally {
        for (const stream of streams) stream.close();
      }
    });

    it('answers 503 QR_STORE_UNAVAILABLE and ends open streams with ERROR while the store is down, then recovers by itself', async () => {
      const { qrcodeId, creatorSecret } = await createCode(a);
      const streams = [await openEvents(a, qrcodeId, creatorSecret), await openEvents(b, qrcodeId, creatorSecret)];
      try {
        for (const stream of streams) await stream.waitForEvents(1);

        await outage.stop();
        for (const stream of streams) {
          await stream.waitForEvents(2, 5_000);
          await endsWithin(stream, 2_000);
          expect(statusesOf(stream)).toEqual(['PENDING', 'ERROR']);
          expect(eventData(stream, 1).code).toBe('QR_STORE_UNAVAILABLE');
        }

        const whileDown: Array<[string, Promise<Reply>]> = [
          ['create on A', api(a, 'POST', '/qrcodes', { body: {} })],
          ['create on B', api(b, 'POST', '/qrcodes', { body: {} })],
          ['status on A', api(a, 'GET', `/qrcodes/${qrcodeId}`)],
          ['status on B', api(b, 'GET', `/qrcodes/${qrcodeId}`, { secret: creatorSecret })],
          ['scan on B', api(b, 'POST', `/qrcodes/${qrcodeId}/scan`, { auth: ALICE })],
          ['events on A', api(a, 'GET', `/qrcodes/${qrcodeId}/events`)],
        ];
        for (const [name, pending] of whileDown) {
          const reply = await pending;
          expect(reply.status, name).toBe(503);
          expect(reply.body, name).toMatchObject({ statusCode: 503, code: 'QR_STORE_UNAVAILABLE' });
        }
      } finally {
        for (const stream of streams) stream.close();
        await outage.start();
      }

      // Same app instances, no restart: they reconnect on their own.
      await eventually(
        async () => (await changesReach(a, b)) && (await changesReach(b, a)),
        20_000,
        'both instances to reconnect to the store',
      );
      await loginAcross(a, b);
      await loginAcross(b, a);
    }, 60_000);

    // Only a store that keeps its data across a restart can finish a login begun before it.
    if (outage.keepsData)
      it('a store restarted mid-flow answers 503 QR_STORE_UNAVAILABLE, then the same login completes with nothing lost', async () => {
        const { qrcodeId, creatorSecret } = await createCode(a);
        const stream = await openEvents(a, qrcodeId, creatorSecret);
        try {
          await stream.waitForEvents(1);
          expect((await api(b, 'POST', `/qrcodes/${qrcodeId}/scan`, { auth: ALICE })).status).toBe(200);
          await stream.waitForEvents(2);

          await outage.stop();
          await stream.waitForEvents(3, 5_000);
          await endsWithin(stream, 2_000);
          expect(statusesOf(stream)).toEqual(['PENDING', 'SCANNED', 'ERROR']);
          expect(eventData(stream, 2).code).toBe('QR_STORE_UNAVAILABLE');
          const whileDown: Array<[string, Reply]> = [
            ['confirm on B', await api(b, 'POST', `/qrcodes/${qrcodeId}/confirm`, { auth: ALICE })],
            ['status on A', await api(a, 'GET', `/qrcodes/${qrcodeId}`, { secret: creatorSecret })],
          ];
          for (const [name, reply] of whileDown) {
            expect(reply.status, name).toBe(503);
            expect(reply.body, name).toMatchObject({ statusCode: 503, code: 'QR_STORE_UNAVAILABLE' });
            expect(reply.body.message, name).toMatch(/retry|reachable|running/i);
          }
        } finally {
          stream.close();
          await outage.start();
        }

        // The scan made before the outage is still there, on both instances.
        let status: Reply | undefined;
        await eventually(
          async () => (status = await api(a, 'GET', `/qrcodes/${qrcodeId}`, { secret: creatorSecret })).status !== 503,
          20_000,
          'A to reach the store again',
        );
        expect(status!.status).toBe(200);
        expect(status!.body).toMatchObject({ status: 'SCANNED', briefUserInfo: { displayName: 'Alice' } });

        // The phone retries its confirm until the store answers: the first answer that is not a 503 is the one that counts.
        let confirmed: Reply | undefined;
        await eventually(
          async () =>
            (confirmed = await api(b, 'POST', `/qrcodes/${qrcodeId}/confirm`, { auth: ALICE })).status !== 503,
          20_000,
          'B to reach the store again',
        );
        expect(confirmed!.status, JSON.stringify(confirmed!.body)).toBe(200);

        // A fresh stream on A starts from the stored state: AUTHORIZED, with the ticket for the creator.
        const after = await openEvents(a, qrcodeId, creatorSecret);
        try {
          await after.waitForEvents(1, 5_000);
          await endsWithin(after, 2_000);
          expect(statusesOf(after)).toEqual(['AUTHORIZED']);
          const ticket: string = eventData(after, 0).ticket;
          const redeemed = await api(a, 'POST', '/login', { secret: creatorSecret, body: { ticket } });
          expect(redeemed.status, JSON.stringify(redeemed.body)).toBe(200);
          expect(redeemed.body).toMatchObject({ access_token: 'session-for-u-alice' });
          const again = await api(b, 'POST', '/login', { secret: creatorSecret, body: { ticket } });
          expect(again.body.code).toBe('QR_TICKET_USED');
        } finally {
          after.close();
        }
      }, 60_000);
  });
});
