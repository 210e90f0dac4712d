import { createServer, get, IncomingMessage, ServerResponse, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../test/support/manual-clock';
import { eventually } from '../../test/support/sse';
import { resolveQrLoginConfig } from '../kernel/qr-login.config';
import { QrLoginService } from '../kernel/qr-login.service';
import type { QrCodeProof } from '../kernel/interfaces/qr-code.interface';
import type { QrLoginKernelOptions } from '../kernel/interfaces/qr-login-options.interface';
import { QrLoginRiskAssessor } from '../risk/qr-login-risk.assessor';
import { resolveRiskConfig } from '../risk/qr-login-risk.config';
import { MemoryQrLoginStore } from '../stores/memory-qr-login.store';
import { QrLoginSseHub } from './qr-login-sse.hub';

/*
 * The event stream hub over real HTTP on loopback, with the real kernel on
 * the memory store and a manual clock: what a stream carries and in which
 * order, which streams share one kernel watch, the cap on streams per
 * network, the release of everything when a client leaves or the code ends,
 * the shared keep-alive tick and the drop of a client that stopped reading.
 */

const ALICE = { id: 'u-alice', name: 'Alice' };
const HEARTBEAT_MS = 1_000;

/** One stream as its client received it: the raw text, so frames and their ids are checked byte for byte. */
interface Received {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  ended: boolean;
  close(): void;
}

/** A stream's opening, as the server handler hands it to the hub. */
interface Opening {
  id: string;
  proof: QrCodeProof;
  ip: string;
  headers?: Record<string, string>;
}

interface Running {
  hub: QrLoginSseHub;
  service: QrLoginService;
  clock: ManualClock;
  open(opening: Opening): Promise<Received>;
  /** A new code and the proof of its creator. */
  create(): Promise<{ id: string; proof: QrCodeProof }>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: Partial<QrLoginKernelOptions> = {}): Promise<Running> {
  const store = new MemoryQrLoginStore();
  const clock = new ManualClock();
  const config = resolveQrLoginConfig({
    appAuth: { resolveUser: () => null },
    store,
    clock,
    qrCodeTtl: 60,
    sseHeartbeatInterval: HEARTBEAT_MS / 1000,
    ...options,
  } as QrLoginKernelOptions);
  const service = new QrLoginService(config, store, new QrLoginRiskAssessor(resolveRiskConfig(undefined)));
  const hub = new QrLoginSseHub(service, config);
  const openings: Opening[] = [];
  const server: Server = createServer((request, response) => {
    const opening = openings.shift()!;
    hub.open(opening.id, opening.proof, opening.ip, request, response, opening.headers);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  cleanups.push(async () => {
    hub.onModuleDestroy();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    service.onModuleDestroy();
    await store.close();
  });
  const { port } = server.address() as AddressInfo;
  return {
    hub,
    service,
    clock,
    create: async () => {
      const created = await service.create();
      return { id: created.qrcodeId, proof: { creatorSecrets: [created.creatorSecret] } };
    },
    open: (opening) =>
      new Promise((resolve, reject) => {
        openings.push(opening);
        const request = get({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
          const received: Received = {
            status: response.statusCode!,
            headers: response.headers,
            text: '',
            ended: false,
            close: () => request.destroy(),
          };
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (received.text += chunk));
          response.on('end', () => (received.ended = true));
          response.on('error', () => undefined);
          resolve(received);
        });
        request.on('error', reject);
      }),
  };
}

/** The status events of a stream's text, as [id, status] pairs. */
function eventsOf(received: Received): Array<[number, string]> {
  return [...received.text.matchAll(/id: (\d+)\ndata: (.*)\n\n/g)].map(([, id, data]) => [
    Number(id),
    JSON.parse(data).status,
  ]);
}

const eventCount = (received: Received, count: number) =>
  eventually(() => eventsOf(received).length >= count, 5_000, `${count} events`);

describe('QrLoginSseHub', () => {
  it('answers with the event-stream headers over the app’s own, then the current status and each change, numbered', async () => {
    const { service, open, create } = await start();
    const { id, proof } = await create();
    const stream = await open({
      id,
      proof,
      ip: '10.0.0.1',
      headers: { 'content-type': 'text/plain', 'access-control-allow-origin': 'https://app.test' },
    });
    expect(stream.status).toBe(200);
    expect(stream.headers).toMatchObject({
      'content-type': 'text/event-stream',
      connection: 'keep-alive',
      'cache-control': 'private, no-cache, no-store, must-revalidate, max-age=0, no-transform',
      pragma: 'no-cache',
      expires: '0',
      'x-accel-buffering': 'no',
      'access-control-allow-origin': 'https://app.test',
    });
    await eventCount(stream, 1);
    const first = await service.getStatus(id, proof);
    expect(stream.text).toBe(`id: 1\ndata: ${JSON.stringify(first)}\n\n`);

    await service.scan(id, ALICE);
    await eventCount(stream, 2);
    expect(eventsOf(stream)).toEqual([
      [1, 'PENDING'],
      [2, 'SCANNED'],
    ]);
    expect(stream.ended).toBe(false);
  });

  it('ends every stream of a code after a terminal status and releases its watch', async () => {
    const { hub, service, open, create } = await start();
    const { id, proof } = await create();
    const streams = [await open({ id, proof, ip: '10.0.0.1' }), await open({ id, proof, ip: '10.0.0.2' })];
    await Promise.all(streams.map((stream) => eventCount(stream, 1)));
    expect(hub.openStreams).toBe(2);
    expect(hub.openChannels).toBe(1);
    expect(service.activeWatchCount).toBe(1);

    await service.refuse(id, 'SITE_POLICY');
    for (const stream of streams) {
      await eventually(() => stream.ended, 5_000, 'the end of the stream');
      expect(eventsOf(stream)).toEqual([
        [1, 'PENDING'],
        [2, 'CANCELLED'],
      ]);
    }
    expect(hub.openStreams).toBe(0);
    expect(hub.openChannels).toBe(0);
    expect(service.activeWatchCount).toBe(0);
    expect(hub.hasRoomFor('10.0.0.1')).toBe(true);

    // A stream opened later on the ended code gets its terminal status first and ends at once.
    const late = await open({ id, proof, ip: '10.0.0.1' });
    await eventually(() => late.ended, 5_000, 'the end of the late stream');
    expect(eventsOf(late)).toEqual([[1, 'CANCELLED']]);
    expect(hub.openStreams).toBe(0);
  });

  it('shares one watch between streams of the same code and proof; a joiner gets the latest status first', async () => {
    const { hub, service, open, create } = await start();
    const { id, proof } = await create();
    const first = await open({ id, proof, ip: '10.0.0.1' });
    await eventCount(first, 1);
    await service.scan(id, ALICE);
    await eventCount(first, 2);

    // The creator's secrets in another order read the same view: the same watch.
    const joiner = await open({ id, proof: { creatorSecrets: ['another', ...proof.creatorSecrets!] }, ip: '10.0.0.2' });
    const same = await open({ id, proof: { creatorSecrets: [...proof.creatorSecrets!, 'another'] }, ip: '10.0.0.2' });
    await eventCount(joiner, 1);
    await eventCount(same, 1);
    expect(hub.openChannels).toBe(2);
    // Each stream numbers its own events from 1: the joiner's first is the latest status.
    expect(eventsOf(joiner)).toEqual([[1, 'SCANNED']]);
    expect(eventsOf(same)).toEqual([[1, 'SCANNED']]);
    expect(service.activeWatchCount).toBe(2);
  });

  it('keeps streams apart whose proofs differ in secrets, client or DPoP key', async () => {
    const { hub, open, create } = await start();
    const { id, proof } = await create();
    const [secret] = proof.creatorSecrets!;
    const proofs: QrCodeProof[] = [
      proof,
      {},
      { creatorSecrets: [secret, 'x'] },
      { creatorSecrets: [secret], client: 'genauth:one' },
      { creatorSecrets: [secret], client: 'genauth:two' },
      { creatorSecrets: [secret], dpopJkt: 'jkt-one' },
      { creatorSecrets: [secret], dpopJkt: 'jkt-two' },
    ];
    for (const [index, each] of proofs.entries()) {
      const stream = await open({ id, proof: each, ip: '10.0.0.1' });
      await eventCount(stream, 1);
      expect(hub.openChannels).toBe(index + 1);
    }
    // A missing part and an empty one read the same; secrets are kept apart from one another.
    for (const same of [{ creatorSecrets: [] }, { client: '' }, { dpopJkt: '' }]) {
      await eventCount(await open({ id, proof: same, ip: '10.0.0.1' }), 1);
    }
    expect(hub.openChannels).toBe(proofs.length);
    await eventCount(await open({ id, proof: { creatorSecrets: [`${secret}x`] }, ip: '10.0.0.1' }), 1);
    expect(hub.openChannels).toBe(proofs.length + 1);
    // The same proof again joins the first channel.
    const again = await open({ id, proof: { creatorSecrets: [secret] }, ip: '10.0.0.1' });
    await eventCount(again, 1);
    expect(hub.openChannels).toBe(proofs.length + 1);
    expect(hub.openStreams).toBe(proofs.length + 5);
  });

  it('releases a stream when its client leaves; the last one takes the watch with it', async () => {
    const { hub, service, open, create } = await start();
    const { id, proof } = await create();
    const leaving = await open({ id, proof, ip: '10.0.0.1' });
    const staying = await open({ id, proof, ip: '10.0.0.1' });
    await eventCount(staying, 1);
    leaving.close();
    await eventually(() => hub.openStreams === 1, 5_000, 'the release of the stream that left');
    expect(hub.openChannels).toBe(1);
    expect(service.activeWatchCount).toBe(1);
    // The stream that stayed still follows the code.
    await service.scan(id, ALICE);
    await eventCount(staying, 2);

    staying.close();
    await eventually(() => hub.openStreams === 0, 5_000, 'the release of the last stream');
    expect(hub.openChannels).toBe(0);
    expect(service.activeWatchCount).toBe(0);
    // Nothing is kept per address once its streams are gone (the map would otherwise grow with every visitor).
    expect(hub['perIp'].size).toBe(0);
  });

  it('caps streams per network at maxStreamsPerIp, at the cap and one past it, and frees a place on leaving', async () => {
    const { hub, open, create } = await start({ maxStreamsPerIp: 2 });
    const { id, proof } = await create();
    expect(hub.hasRoomFor('10.0.0.1')).toBe(true);
    const first = await open({ id, proof, ip: '10.0.0.1' });
    expect(hub.hasRoomFor('10.0.0.1')).toBe(true);
    // The same address spelled as IPv4-mapped IPv6 counts under the same key.
    const second = await open({ id, proof, ip: '::ffff:10.0.0.1' });
    expect(hub.hasRoomFor('10.0.0.1')).toBe(false);
    expect(hub.hasRoomFor('::ffff:10.0.0.1')).toBe(false);
    // Other addresses are counted apart.
    expect(hub.hasRoomFor('10.0.0.2')).toBe(true);
    await eventCount(second, 1);

    first.close();
    await eventually(() => hub.openStreams === 1, 5_000, 'the release of the first stream');
    expect(hub.hasRoomFor('10.0.0.1')).toBe(true);
    // The stream that stayed still counts: one more fills the cap again.
    const third = await open({ id, proof, ip: '10.0.0.1' });
    expect(hub.hasRoomFor('10.0.0.1')).toBe(false);
    await eventCount(third, 1);
    third.close();
    await eventually(() => hub.openStreams === 1, 5_000, 'the release of the third stream');
    second.close();
    await eventually(() => hub.openStreams === 0, 5_000, 'the release of the second stream');
    expect(hub.hasRoomFor('10.0.0.1')).toBe(true);
  });

  it('counts every address of an IPv6 /64 under one key, and a cap of one allows exactly one stream', async () => {
    const { hub, open, create } = await start({ maxStreamsPerIp: 1 });
    const { id, proof } = await create();
    expect(hub.hasRoomFor('2001:db8:1:2::1')).toBe(true);
    const stream = await open({ id, proof, ip: '2001:db8:1:2::1' });
    expect(hub.hasRoomFor('2001:db8:1:2::1')).toBe(false);
    expect(hub.hasRoomFor('2001:db8:1:2:ffff::9')).toBe(false);
    expect(hub.hasRoomFor('2001:db8:1:3::1')).toBe(true);
    await eventCount(stream, 1);
  });

  it('runs one keep-alive tick for every stream, every sseHeartbeatInterval, and stops it with the last stream', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { hub, service, open, create } = await start();
    const { id, proof } = await create();
    // The memory store's sweep is an interval too: count the hub's against it.
    const others = vi.getTimerCount();
    const streams = [await open({ id, proof, ip: '10.0.0.1' }), await open({ id, proof, ip: '10.0.0.2' })];
    await Promise.all(streams.map((stream) => eventCount(stream, 1)));
    expect(vi.getTimerCount()).toBe(others + 1);

    vi.advanceTimersByTime(HEARTBEAT_MS - 1);
    // A change written after the tick would have been is the marker: nothing came before it.
    await service.scan(id, ALICE);
    await Promise.all(streams.map((stream) => eventCount(stream, 2)));
    for (const stream of streams) expect(stream.text).not.toContain(': keep-alive');

    vi.advanceTimersByTime(1);
    for (const stream of streams) {
      await eventually(() => stream.text.endsWith(': keep-alive\n\n'), 5_000, 'a keep-alive');
      expect(stream.text.split(': keep-alive\n\n')).toHaveLength(2);
    }
    vi.advanceTimersByTime(HEARTBEAT_MS);
    for (const stream of streams) {
      await eventually(() => stream.text.split(': keep-alive\n\n').length === 3, 5_000, 'a second keep-alive');
    }

    // One stream leaving leaves the tick to the other.
    streams[0].close();
    await eventually(() => hub.openStreams === 1, 5_000, 'the release of the first stream');
    expect(vi.getTimerCount()).toBe(others + 1);
    vi.advanceTimersByTime(HEARTBEAT_MS);
    await eventually(() => streams[1].text.split(': keep-alive\n\n').length === 4, 5_000, 'a third keep-alive');

    streams[1].close();
    await eventually(() => hub.openStreams === 0, 5_000, 'the release of the last stream');
    expect(vi.getTimerCount()).toBe(others);
  });

  it('adds the app’s decorations to each status, in the order added', async () => {
    const { hub, open, create } = await start();
    hub.addViewDecorator((view) => ({ ...view, trail: 'a' }) as typeof view);
    hub.addViewDecorator((view) => ({ ...view, trail: `${(view as { trail?: string }).trail}b` }) as typeof view);
    const { id, proof } = await create();
    const stream = await open({ id, proof, ip: '10.0.0.1' });
    await eventCount(stream, 1);
    expect(JSON.parse(stream.text.split('data: ')[1]).trail).toBe('ab');
  });

  it('ends every stream and stops the keep-alive on shutdown', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { hub, service, open, create } = await start();
    const a = await create();
    const b = await create();
    const others = vi.getTimerCount();
    const streams = [await open({ ...a, ip: '10.0.0.1' }), await open({ ...b, ip: '10.0.0.1' })];
    await Promise.all(streams.map((stream) => eventCount(stream, 1)));
    expect(hub.openChannels).toBe(2);
    hub.onModuleDestroy();
    for (const stream of streams) await eventually(() => stream.ended, 5_000, 'the end of the stream');
    expect(hub.openStreams).toBe(0);
    expect(hub.openChannels).toBe(0);
    expect(service.activeWatchCount).toBe(0);
    expect(vi.getTimerCount()).toBe(others);
    for (const stream of streams) expect(eventsOf(stream)).toEqual([[1, 'PENDING']]);
  });

  it('leaves a response alone that is already over', async () => {
    const { hub, create } = await start();
    const { id, proof } = await create();
    const ended = new ServerResponse(new IncomingMessage(new Socket()));
    ended.end();
    hub.open(id, proof, '10.0.0.1', ended.req, ended);
    const destroyed = new ServerResponse(new IncomingMessage(new Socket()));
    destroyed.destroy();
    hub.open(id, proof, '10.0.0.1', destroyed.req, destroyed);
    expect(hub.openStreams).toBe(0);
    expect(hub.openChannels).toBe(0);
    expect(destroyed.headersSent).toBe(false);
  });

  it('drops a client that left more than 64 KiB unread, and only then', async () => {
    const { hub, service, create } = await start();
    const { id, proof } = await create();
    // A response with no socket keeps everything written as unread: the client of a stalled connection.
    const response = new ServerResponse(new IncomingMessage(new Socket()));
    hub.open(id, proof, '10.0.0.1', response.req, response);
    const headersOnly = response.writableLength;
    await eventually(() => response.writableLength > headersOnly, 5_000, 'the PENDING event');
    response.write('x'.repeat(64 * 1024 - response.writableLength));
    expect(response.writableLength).toBe(64 * 1024);

    await service.scan(id, ALICE);
    await eventually(() => response.writableLength > 64 * 1024, 5_000, 'the SCANNED event');
    expect(response.destroyed).toBe(false);

    await service.confirm(id, ALICE);
    await eventually(() => response.destroyed, 5_000, 'the drop of the stalled client');
  });

  it('skips a response the app already ended, for events and keep-alives alike', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { hub, service, create } = await start();
    const { id, proof } = await create();
    // No socket, so no "close" follows the end: the stream stays counted, as one does until its socket closes.
    const response = new ServerResponse(new IncomingMessage(new Socket()));
    hub.open(id, proof, '10.0.0.1', response.req, response);
    const headersOnly = response.writableLength;
    await eventually(() => response.writableLength > headersOnly, 5_000, 'the PENDING event');
    response.end();
    // A write after the end would fail the response with ERR_STREAM_WRITE_AFTER_END.
    const failures: unknown[] = [];
    response.on('error', (error) => failures.push(error));
    await service.scan(id, ALICE);
    vi.advanceTimersByTime(HEARTBEAT_MS);
    await new Promise((resolve) => setImmediate(resolve));
    expect(failures).toEqual([]);
    expect(hub.openStreams).toBe(1);
  });
});
