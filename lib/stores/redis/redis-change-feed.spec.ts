import { Redis } from 'ioredis';
import type { Socket } from 'node:net';
import { tap } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RedisServer } from '../../../test/support/redis-server';
import { redisPerFile } from '../../../test/support/server-per-file';
import { commandStat } from '../../../test/support/redis-command-stats';
import { startReplyGate } from '../../../test/support/reply-gate';
import { eventually } from '../../../test/support/sse';
import type { QrLoginStore } from '../../kernel/interfaces/qr-login-store.interface';
import { QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import { newRecord, successor, watchInto, type Watched } from '../../testing/store-contract.helpers';
import { RedisCalls } from './redis-calls';
import { RedisChangeFeed } from './redis-change-feed';
import { duplicateForSubscriber, FAIL_FAST_OPTIONS } from './redis-connection';
import { RedisQrLoginStore } from './redis-qr-login.store';

/*
 * The change feed on a real redis-server: a SUBSCRIBE that Redis refuses (an
 * ACL user without channels) ends the watch, naming the step and Redis's
 * reason, and leaves nothing subscribed; SUBSCRIBE and UNSUBSCRIBE follow the
 * watchers in order even while Redis has not answered yet (the subscriber's
 * socket is paused to hold its replies back); what reaches a watcher, and
 * what may seed reads.
 */

describe('RedisChangeFeed', () => {
  let server: RedisServer;
  let admin: Redis;
  const stores: RedisQrLoginStore[] = [];
  const watches: Watched[] = [];

  redisPerFile((parts) => ({ server, admin } = parts));
  afterEach(async () => {
    for (const watched of watches.splice(0)) watched.subscription.unsubscribe();
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it('ends a watch whose SUBSCRIBE Redis refuses, naming the step and the refusal, and subscribes nothing', async () => {
    await admin.acl('SETUSER', 'no-channels', 'on', '>secret', '~*', 'resetchannels', '+@all');
    const store = new RedisQrLoginStore({ url: `redis://no-channels:secret@127.0.0.1:${server.port}` });
    stores.push(store);
    const seen = watchInto(store, 'code-1');
    watches.push(seen);
    await eventually(() => seen.errors.length === 1, 5_000, 'the watch to fail');
    const failure = seen.errors[0] as Error;
    // The call wrapper's refusal is wrapped once more by the feed, as unavailable: what a watcher sees today.
    expect(failure).toBeInstanceOf(QrLoginStoreUnavailableError);
    expect(failure.message).toMatch(
      /^Redis could not watch a QR code \(Redis refused to watch a QR code: NOPERM .+\); check that Redis is running and reachable, the store reconnects by itself\.$/,
    );
    expect(store.watchedIds).toBe(0);
    expect(await admin.pubsub('NUMSUB', store.channelOf('code-1'))).toEqual([store.channelOf('code-1'), 0]);
  });

  describe('one node, the feed on its own connections', () => {
    const cleanups: Array<() => void> = [];
    afterEach(() => {
      for (const cleanup of cleanups.splice(0)) cleanup();
    });

    /** A feed on a subscriber of its own, ready. */
    const feedOn = async (url = server.url) => {
      const commands = new Redis(url, FAIL_FAST_OPTIONS);
      const subscriber = duplicateForSubscriber(commands, false) as Redis;
      for (const client of [commands, subscriber]) client.on('error', () => undefined);
      const feed = new RedisChangeFeed(subscriber, false, new RedisCalls(true), commands);
      cleanups.push(() => {
        feed.close(new Error('test over'));
        commands.disconnect();
        subscriber.disconnect();
      });
      await eventually(() => subscriber.status === 'ready' && commands.status === 'ready', 5_000, 'both connections');
      /** Holds back (or lets through) what Redis sends the subscriber; what it sends meanwhile waits in the socket. */
      const socket = (subscriber as unknown as { stream: Socket }).stream;
      return { feed, subscriber, socket };
    };
    /** A feed whose user may subscribe to nothing until `allow()`. */
    const feedWithoutChannels = async () => {
      await admin.acl('SETUSER', 'feed-user', 'on', '>secret', '~*', 'resetchannels', '+@all');
      cleanups.push(() => void admin.acl('DELUSER', 'feed-user'));
      const parts = await feedOn(`redis://feed-user:secret@127.0.0.1:${server.port}`);
      return { ...parts, allow: () => admin.acl('SETUSER', 'feed-user', 'allchannels') };
    };
    /** SUBSCRIBEs Redis refused since the server started. */
    const refusedSubscribes = () => commandStat(admin, 'subscribe', 'rejected_calls');
    const watchFeed = (feed: RedisChangeFeed, name: string) => {
      const seen = watchInto({ watch: (id: string) => feed.watch(id) } as QrLoginStore, name);
      watches.push(seen);
      return seen;
    };
    /** Subscribers Redis has for `name`. */
    const subscribersOf = async (name: string) => ((await admin.pubsub('NUMSUB', name)) as [string, number])[1];
    const live = (feed: RedisChangeFeed, name: string) => () => feed.channel(name)?.live === true;
    /** Publishes a new record on `name`, which Redis delivers to one subscriber, and expects it on `seen`, once. */
    const expectDelivered = async (name: string, seen: Watched) => {
      const record = newRecord();
      expect(await admin.publish(name, JSON.stringify(record))).toBe(1);
      await eventually(() => seen.records.length > 0, 5_000, `the record on ${name}`);
      expect(seen.records).toEqual([record]);
    };
    /** How many times Redis ran `command` since the server started. */
    const calls = (command: string) => commandStat(admin, command);

    it('undoes a SUBSCRIBE whose last watcher left while Redis was confirming it', async () => {
      const { feed, socket } = await feedOn();
      socket.pause();
      const seen = watchFeed(feed, 'left-while-confirming');
      await eventually(async () => (await subscribersOf('left-while-confirming')) === 1, 5_000, 'the SUBSCRIBE');
      seen.subscription.unsubscribe();
      socket.resume();
      await eventually(async () => (await subscribersOf('left-while-confirming')) === 0, 5_000, 'the UNSUBSCRIBE');
      expect(feed.size).toBe(0);
    });

    it('sends no SUBSCRIBE for a watcher that left before its turn', async () => {
      const { feed } = await feedOn();
      const [subscribes, unsubscribes] = [await calls('subscribe'), await calls('unsubscribe')];
      watchFeed(feed, 'left-before-turn').subscription.unsubscribe();
      watchFeed(feed, 'left-before-turn');
      await eventually(live(feed, 'left-before-turn'), 5_000, 'the second watch');
      expect([(await calls('subscribe')) - subscribes, (await calls('unsubscribe')) - unsubscribes]).toEqual([1, 0]);
    });

    it('lets only a live channel seed reads: a message heard before its own SUBSCRIBE may predate a gap', async () => {
      const { feed, socket } = await feedOn();
      const first = watchFeed(feed, 'heard-early');
      await eventually(live(feed, 'heard-early'), 5_000, 'the first SUBSCRIBE');
      socket.pause();
      // Sent on the first subscription; it reaches the feed once the second watch has taken the channel over.
      expect(await admin.publish('heard-early', JSON.stringify(newRecord({ version: 5 })))).toBe(1);
      first.subscription.unsubscribe();
      watchFeed(feed, 'heard-early');
      socket.resume();
      await eventually(live(feed, 'heard-early'), 5_000, 'the second SUBSCRIBE');
      expect(feed.channel('heard-early')!.latest).toBeUndefined();
    });

    it('hands a watcher each record newer than the last it had, and nothing else published on the channel', async () => {
      const { feed } = await feedOn();
      const seen = watchFeed(feed, 'versions');
      await eventually(live(feed, 'versions'), 5_000, 'the SUBSCRIBE');
      const second = newRecord({ version: 2 });
      const third = successor(second);
      for (const message of [second, second, { ...second, version: 1 }, { hello: 'world' }, 'not JSON', third]) {
        await admin.publish('versions', typeof message === 'string' ? message : JSON.stringify(message));
      }
      await eventually(() => seen.records.at(-1)?.version === 3, 5_000, 'the last record');
      expect(seen.records).toEqual([second, third]);
      expect(feed.channel('versions')!.latest!.version).toBe(3);
    });

    it('lets a watcher whose SUBSCRIBE was refused watch the same id again from its error callback', async () => {
      const { feed, socket, allow } = await feedWithoutChannels();
      const before = await refusedSubscribes();
      socket.pause();
      const again: Watched[] = [];
      const first = watchInto(
        {
          watch: (id: string) =>
            feed.watch(id).pipe(
              // Watching again before the failed watch's own teardown has run.
              tap({ error: () => again.push(watchFeed(feed, 'again')) }),
            ),
        } as QrLoginStore,
        'again',
      );
      watches.push(first);
      await eventually(async () => (await refusedSubscribes()) === before + 1, 5_000, 'Redis to refuse the SUBSCRIBE');
      await allow();
      socket.resume();
      await eventually(() => first.errors.length === 1, 5_000, 'the first watch to end');
      expect((first.errors[0] as Error).message).toMatch(/NOPERM/);
      await eventually(live(feed, 'again'), 5_000, 'the second SUBSCRIBE');
      await expectDelivered('again', again[0]);
      expect(again[0].errors).toEqual([]);
    });

    it('leaves a newer watch of the id alone when Redis refuses the SUBSCRIBE of one whose watcher left', async () => {
      const { feed, socket, allow } = await feedWithoutChannels();
      const before = await refusedSubscribes();
      socket.pause();
      const first = watchFeed(feed, 'refused-once');
      await eventually(async () => (await refusedSubscribes()) === before + 1, 5_000, 'Redis to refuse the SUBSCRIBE');
      first.subscription.unsubscribe();
      const second = watchFeed(feed, 'refused-once');
      await allow();
      socket.resume();
      await eventually(live(feed, 'refused-once'), 5_000, 'the second SUBSCRIBE');
      await expectDelivered('refused-once', second);
      expect([first.errors, second.errors]).toEqual([[], []]);
    });

    it('forgets the SUBSCRIBE/UNSUBSCRIBE queue of an id once it has run, so ids that come and go leave nothing', async () => {
      const { feed } = await feedOn();
      const queues = () => (feed as unknown as { subscriberOps: Map<string, Promise<void>> }).subscriberOps;
      for (const id of ['come-1', 'come-2', 'come-3']) {
        const seen = watchFeed(feed, id);
        await eventually(live(feed, id), 5_000, `the SUBSCRIBE of ${id}`);
        seen.subscription.unsubscribe();
      }
      await eventually(async () => (await admin.pubsub('CHANNELS')).length === 0, 5_000, 'every UNSUBSCRIBE');
      await eventually(() => queues().size === 0, 5_000, 'the queues to be forgotten');
      expect(feed.size).toBe(0);
    });

    it("sends one id's SUBSCRIBE and UNSUBSCRIBE in the order they were decided, however late Redis answers", async () => {
      const gate = await startReplyGate(server.port);
      cleanups.push(() => void gate.close());
      const { feed } = await feedOn(`redis://127.0.0.1:${gate.port}`);
      const name = 'in-order';
      const first = watchFeed(feed, name);
      await eventually(live(feed, name), 5_000, 'the first SUBSCRIBE');
      gate.hold();
      // UNSUBSCRIBE for the first watcher; the second watcher's SUBSCRIBE waits for its answer.
      first.subscription.unsubscribe();
      const second = watchFeed(feed, name);
      await eventually(() => gate.waiting() > 0, 5_000, "Redis's answer to the UNSUBSCRIBE");
      gate.step();
      await eventually(() => gate.waiting() > 0, 5_000, "Redis's answer to the second SUBSCRIBE");
      // While Redis's answer to that SUBSCRIBE is held back, the second watcher leaves and a third comes.
      second.subscription.unsubscribe();
      const third = watchFeed(feed, name);
      gate.open();
      await eventually(live(feed, name), 5_000, 'the third watch');
      // The second SUBSCRIBE was undone before the third was sent, not after: Redis still sends the third its records.
      await eventually(async () => (await subscribersOf(name)) === 1, 5_000, 'one subscription');
      await expectDelivered(name, third);
      expect([first.errors, second.errors, third.errors]).toEqual([[], [], []]);
    });

    it('ends every watch, saying why, when the subscriber connection is lost', async () => {
      const { feed } = await feedOn();
      const seen = [watchFeed(feed, 'lost-1'), watchFeed(feed, 'lost-2')];
      await eventually(() => live(feed, 'lost-1')() && live(feed, 'lost-2')(), 5_000, 'both SUBSCRIBEs');
      await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      await eventually(() => seen.every((watched) => watched.errors.length === 1), 5_000, 'both watches to end');
      for (const watched of seen) {
        expect(watched.errors[0]).toBeInstanceOf(QrLoginStoreUnavailableError);
        expect((watched.errors[0] as Error).message).toBe(
          'The Redis connection that carries QR code changes was lost; open the stream again once Redis is reachable.',
        );
      }
      expect(feed.size).toBe(0);
    });
  });
});
