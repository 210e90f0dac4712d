import type { INestApplication } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisQrLoginStore } from '../../lib/stores/redis';
import { ADAPTERS, createTestApp } from '../app/test-app';
import { asUser, creatorHeader, nativeClient, type JsonResponse } from '../support/http';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster';
import { eventually, openSse, statusesOf, type SseReader } from '../support/sse';

/*
 * Issue 18, part 2: two app instances on a real Redis Cluster (3 masters,
 * 3 replicas), over each HTTP adapter. Changes travel on sharded pub/sub, and
 * a master crash (its replica promoted) loses no confirmed code and hands out
 * no ticket twice.
 */

interface Instance {
  app: INestApplication;
  store: RedisQrLoginStore;
  api: ReturnType<typeof nativeClient>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Longest a flow keeps retrying 503s; a failover on these settings takes a few seconds. */
const RETRY_FOR_MS = 30_000;

describe('Redis Cluster', () => {
  let cluster: RedisCluster;
  const admins: Cluster[] = [];

  beforeAll(async () => {
    cluster = await startRedisCluster({ nodeTimeoutMs: 1_000 });
  });
  afterAll(async () => {
    for (const admin of admins.splice(0)) admin.disconnect();
    await cluster?.stop();
  });

  /** Subscribers of a sharded channel on its master, and of the classic channel of that name on every node. */
  async function subscriptions(channel: string, key: string): Promise<{ sharded: number; classic: number }> {
    const owner = new Redis({ host: '127.0.0.1', port: await cluster.masterOf(key), lazyConnect: true });
    try {
      const sharded = (await owner.call('PUBSUB', 'SHARDNUMSUB', channel)) as [string, number];
      let classic = 0;
      for (const node of cluster.startupNodes()) {
        const each = new Redis({ ...node, lazyConnect: true });
        classic += Number(((await each.pubsub('NUMSUB', channel)) as [string, number])[1]);
        each.disconnect();
      }
      return { sharded: Number(sharded[1]), classic };
    } finally {
      owner.disconnect();
    }
  }

  describe.each(ADAPTERS)('on %s', (adapter) => {
    let a: Instance;
    let b: Instance;
    const streams: SseReader[] = [];

    beforeAll(async () => {
      // One instance lets the store create and own its Cluster client; the other hands it a ready one.
      const admin = new Cluster(cluster.startupNodes());
      admins.push(admin);
      const stores = [
        new RedisQrLoginStore({ cluster: { nodes: cluster.startupNodes() } }),
        new RedisQrLoginStore({ client: admin }),
      ];
      [a, b] = await Promise.all(
        stores.map(async (store) => {
          const started = await createTestApp({ adapter, store });
          const api = nativeClient(started.url);
          // The store connects in the background; a request before that answers 503, which is not what this suite tests.
          await eventually(async () => (await api.create()).status === 201, 20_000, 'the app to reach the cluster');
          return { app: started.app, store, api };
        }),
      );
    });
    afterAll(async () => {
      for (const stream of streams.splice(0)) stream.close();
      await Promise.all([a?.app.close(), b?.app.close()]);
    });

    const watchOn = async (instance: Instance, id: string, secret: Record<string, string>) => {
      const stream = await openSse(instance.api.eventsUrl(id), secret);
      streams.push(stream);
      return stream;
    };

    it("runs a login across two instances, the change feed on sharded pub/sub of the code's shard only", async () => {
      expect(a.store.pubsub).toBe('sharded');
      const created = await a.api.create();
      expect(created.status).toBe(201);
      const id: string = created.body.qrcodeId;
      const stream = await watchOn(a, id, creatorHeader(created));
      await eventually(() => stream.events.length >= 1, 5_000, 'the first event');

      // Exactly one subscription, sharded, on the master that owns the code; none on classic pub/sub anywhere.
      expect(await subscriptions(a.store.channelOf(id), a.store.keyOf(id))).toEqual({ sharded: 1, classic: 0 });

      expect((await b.api.act(id, 'scan', asUser('alice'))).status).toBe(200);
      expect((await b.api.act(id, 'confirm', asUser('alice'))).status).toBe(200);
      await eventually(
        () => statusesOf(stream).includes('AUTHORIZED'),
        5_000,
        'AUTHORIZED on the stream of the other instance',
      );
      expect(statusesOf(stream)).toEqual(['PENDING', 'SCANNED', 'AUTHORIZED']);

      const status = await a.api.status(id, creatorHeader(created));
      const login = await b.api.login(status.body.ticket, creatorHeader(created));
      expect(login.status, JSON.stringify(login.body)).toBe(200);
      expect(login.body.access_token).toBe('session-for-u-alice');
      expect((await a.api.login(status.body.ticket, creatorHeader(created))).body.code).toBe('QR_TICKET_USED');
    });

    it("survives a master crash: bounded 503s, the crashed shard's streams end with ERROR, no confirmed code lost, no ticket twice", async () => {
      let killed: number | undefined;
      try {
        await crashAndCheck((port) => (killed = port));
      } finally {
        // Put the crashed node back (as a replica), so the next adapter's run has a master with a replica to kill.
        if (killed !== undefined) await cluster.revive(killed);
      }
    });

    async function crashAndCheck(onKill: (port: number) => void): Promise<void> {
      /** Every answer of the run, to check that nothing but 503 QR_STORE_UNAVAILABLE fails. */
      const failures: Array<{ at: number; status: number; code?: string; route: string }> = [];
      const track = async (route: string, call: () => Promise<JsonResponse>): Promise<JsonResponse> => {
        const reply = await call();
        if (reply.status >= 500) failures.push({ at: Date.now(), status: reply.status, code: reply.body?.code, route });
        return reply;
      };
      /** Retries a call while it answers 503 (the store is failing over). */
      const retrying = async (route: string, call: () => Promise<JsonResponse>) => {
        const deadline = Date.now() + RETRY_FOR_MS;
        let attempts503 = 0;
        for (;;) {
          const reply = await track(route, call);
          if (reply.status !== 503 || Date.now() > deadline) return { reply, attempts503 };
          attempts503++;
          await sleep(100);
        }
      };
      const pick = () => (Math.random() < 0.5 ? a : b);

      // A code on the victim shard with its stream, and one on another shard with its stream.
      const first = await a.api.create();
      const victimKey = a.store.keyOf(first.body.qrcodeId);
      const victim = await cluster.masterOf(victimKey);
      let other = await a.api.create();
      while ((await cluster.masterOf(a.store.keyOf(other.body.qrcodeId))) === victim) other = await a.api.create();
      const victimStream = await watchOn(a, first.body.qrcodeId, creatorHeader(first));
      const otherStream = await watchOn(b, other.body.qrcodeId, creatorHeader(other));
      await eventually(
        () => victimStream.events.length >= 1 && otherStream.events.length >= 1,
        5_000,
        'both streams to start',
      );

      // Phase 1: confirmed codes whose tickets will be redeemed while the master fails.
      const confirmedBefore = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const created = await pick().api.create();
          const id = created.body.qrcodeId;
          expect((await pick().api.act(id, 'scan', asUser('bob'))).status).toBe(200);
          expect((await pick().api.act(id, 'confirm', asUser('bob'))).status).toBe(200);
          const status = await pick().api.status(id, creatorHeader(created));
          expect(status.body.status).toBe('AUTHORIZED');
          return { id, secret: creatorHeader(created), ticket: status.body.ticket as string };
        }),
      );

      // Phase 2: while the master is killed, fresh codes go through scan and confirm, and the
      // phase-1 tickets are redeemed by two instances racing each other, all retrying 503s.
      const flows = Array.from({ length: 20 }, async (_, n) => {
        await sleep(n * 40);
        const created = await retrying('create', () => pick().api.create());
        if (created.reply.status !== 201) return { created: false as const };
        const id: string = created.reply.body.qrcodeId;
        const secret = creatorHeader(created.reply as JsonResponse<{ creatorSecret: string }>);
        const scan = await retrying('scan', () => pick().api.act(id, 'scan', asUser('alice')));
        const confirm = await retrying('confirm', () => pick().api.act(id, 'confirm', asUser('alice')));
        return { created: true as const, id, secret, scan, confirm };
      });
      const redeems = confirmedBefore.map(async ({ ticket, secret }, n) => {
        await sleep(n * 60);
        const racers = await Promise.all(
          [a, b].map((instance) => retrying('login', () => instance.api.login(ticket, secret))),
        );
        return racers;
      });

      await sleep(150);
      onKill(victim);
      const killedAt = Date.now();
      const promoted = await cluster.failover(victim);
      const promotedAt = Date.now();
      const [flowResults, redeemResults] = await Promise.all([Promise.all(flows), Promise.all(redeems)]);

      // Only 503 QR_STORE_UNAVAILABLE, never a 500, and none once the store answered again.
      for (const failure of failures)
        expect(failure, JSON.stringify(failure)).toMatchObject({ status: 503, code: 'QR_STORE_UNAVAILABLE' });
      const window = failures.length ? failures.at(-1)!.at - killedAt : 0;
      console.info(
        `[redis-cluster ${adapter}] master ${victim} killed, replica ${promoted} promoted after ${promotedAt - killedAt} ms; ` +
          `${failures.length} answers of 503, the last ${window} ms after the kill`,
      );

      // Phase-1 tickets: never two logins from one ticket. Exactly one unless an attempt got a 503 after
      // the redemption had been applied (its answer lost with the master), which is then reported as used.
      let ambiguous = 0;
      for (const racers of redeemResults) {
        const ok = racers.filter(({ reply }) => reply.status === 200).length;
        expect(ok).toBeLessThanOrEqual(1);
        for (const { reply } of racers) if (reply.status !== 200) expect(reply.body.code).toBe('QR_TICKET_USED');
        if (ok === 0) {
          expect(racers.some(({ attempts503 }) => attempts503 > 0)).toBe(true);
          ambiguous++;
        }
      }

      // Phase-2 codes: every confirmed code is still AUTHORIZED after the failover, and its ticket works exactly once
      // even when two instances race to redeem it.
      let confirmedDuring = 0;
      for (const flow of flowResults) {
        expect(flow.created).toBe(true);
        if (!flow.created) continue;
        expect(flow.scan.reply.status, JSON.stringify(flow.scan.reply.body)).toSatisfy(
          (status: number) => status === 200 || (status === 409 && flow.scan.attempts503 > 0),
        );
        const confirmed =
          flow.confirm.reply.status === 200 || (flow.confirm.reply.status === 409 && flow.confirm.attempts503 > 0);
        expect(confirmed, JSON.stringify(flow.confirm.reply.body)).toBe(true);
        const status = await retrying('status', () => pick().api.status(flow.id, flow.secret));
        expect(status.reply.body.status).toBe('AUTHORIZED');
        const racers = await Promise.all(
          [a, b].map((instance) => instance.api.login(status.reply.body.ticket, flow.secret)),
        );
        expect(racers.map((reply) => reply.status).sort()).toEqual([200, 401]);
        expect(racers.find((reply) => reply.status === 401)!.body.code).toBe('QR_TICKET_USED');
        confirmedDuring++;
      }
      expect(confirmedDuring).toBe(20);
      console.info(
        `[redis-cluster ${adapter}] ${confirmedDuring} codes confirmed across the failover, ${ambiguous} of 10 redemptions ambiguous`,
      );

      // The crashed shard's stream ended with ERROR (its changes may have been lost); the other shard's stream
      // lived through the failover and still carries changes.
      await eventually(
        () => statusesOf(victimStream).includes('ERROR'),
        10_000,
        'ERROR on the stream of the crashed shard',
      );
      await victimStream.ended;
      expect(statusesOf(otherStream)).not.toContain('ERROR');
      const otherId = other.body.qrcodeId;
      expect((await retrying('scan', () => a.api.act(otherId, 'scan', asUser('alice')))).reply.status).toBe(200);
      await eventually(
        () => statusesOf(otherStream).includes('SCANNED'),
        10_000,
        'the surviving stream to see a change',
      );

      // The first new stream on a code of the promoted master sees its change: no retry. It is opened on the
      // instance whose subscriber never watched the crashed shard, so no event of its own told it of the
      // failover (its slot table named the crashed master until the store brought it in line).
      let created = await a.api.create();
      while (created.status !== 201 || (await cluster.masterOf(a.store.keyOf(created.body.qrcodeId))) !== promoted) {
        created = await a.api.create();
      }
      const freshId: string = created.body.qrcodeId;
      const fresh = await watchOn(b, freshId, creatorHeader(created));
      await eventually(() => fresh.events.length >= 1, 5_000, 'the new stream to start');
      expect(statusesOf(fresh)).toEqual(['PENDING']);
      expect((await a.api.act(freshId, 'scan', asUser('bob'))).status).toBe(200);
      await eventually(
        () => statusesOf(fresh).length >= 2,
        5_000,
        'the first new stream on the promoted master to see a change',
      );
      expect(statusesOf(fresh)).toEqual(['PENDING', 'SCANNED']);
      // It is held on the promoted master, as a sharded subscription.
      expect((await subscriptions(b.store.channelOf(freshId), b.store.keyOf(freshId))).sharded).toBe(1);
    }
  });
});
