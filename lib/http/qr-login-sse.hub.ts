import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Subscription } from 'rxjs';
import { QR_LOGIN_CONFIG } from '../kernel/qr-login.constants';
import type { ResolvedQrLoginConfig } from '../kernel/qr-login.config';
import { isTerminalStatus } from '../kernel/qr-login.visibility';
import { QrLoginService } from '../kernel/qr-login.service';
import type { QrCodeProof } from '../kernel/interfaces/qr-code.interface';
import type { QrCodeStatusView } from '../kernel/interfaces/qr-login-views.interface';
import { networkKeyOf } from '../risk/requester-network';

/** Headers of every event stream: no caching anywhere, no proxy buffering (nginx), and a live connection. */
const SSE_HEADERS: OutgoingHttpHeaders = {
  'content-type': 'text/event-stream',
  connection: 'keep-alive',
  'cache-control': 'private, no-cache, no-store, must-revalidate, max-age=0, no-transform',
  pragma: 'no-cache',
  expires: '0',
  'x-accel-buffering': 'no',
};

const KEEP_ALIVE_FRAME = ': keep-alive\n\n';

/** What an unexpected failure tells the client: the event name browsers' EventSource reports, and nothing internal. */
const INTERNAL_ERROR_FRAME = 'event: error\ndata: Internal server error\n\n';

/**
 * Most bytes a client may leave unread before its stream is dropped, as Nest
 * drops a stream whose client stopped reading: status events are small, so
 * 64 KB is far more than any live client ever lags. An EventSource reconnects.
 */
const MAX_UNREAD_BYTES = 64 * 1024;

/** One open HTTP stream. */
interface Client {
  response: ServerResponse;
  /** The `id:` of this stream's next event, counted per stream as Nest's `@Sse` did. */
  nextId: number;
  channel: Channel;
  /** The client's network key (`networkKeyOf`), what `maxStreamsPerIp` counts under. */
  ip: string;
}

/** One kernel watch shared by every stream of the same code and the same proof. */
interface Channel {
  key: string;
  clients: Set<Client>;
  /** The latest status as an SSE `data:` block, for streams that join later: the current status comes first. */
  lastData?: string;
  subscription?: Subscription;
  ended: boolean;
}

/**
 * Serves the native event stream (`GET {prefix}/qrcodes/:id/events`) below
 * Nest's `@Sse` machinery: frames are preformatted strings written to the raw
 * Node response, streams of the same code and proof share one kernel watch
 * (`QrLoginService.watch`, which decides what the reader sees from the code's
 * rules), and one keep-alive tick serves every stream. An idle stream then
 * costs about what a bare Node SSE response costs (BENCHMARKS.md): the
 * per-stream Observable pipeline, transform stream, abort controller and
 * probe timer of `@Sse` were most of the difference.
 *
 * Semantics are those of the `@Sse` route it replaces: the current status
 * first, every change after it, the stream ends after a terminal status,
 * everything is released when the client leaves, `maxStreamsPerIp` is
 * counted per instance, and store failures arrive as one `ERROR` status.
 */
@Injectable()
export class QrLoginSseHub implements OnModuleDestroy {
  private readonly logger = new Logger('QrLoginSseHub');
  private readonly channels = new Map<string, Channel>();
  private readonly clients = new Set<Client>();
  private readonly perIp = new Map<string, number>();
  private keepAlive?: NodeJS.Timeout;
  private readonly decorators: Array<(view: QrCodeStatusView) => QrCodeStatusView> = [];

  constructor(
    private readonly service: QrLoginService,
    @Inject(QR_LOGIN_CONFIG) private readonly config: ResolvedQrLoginConfig,
  ) {}

  /** Streams open on this instance right now. For diagnostics, tests and the benchmark. */
  get openStreams(): number {
    return this.clients.size;
  }

  /** Kernel watches the open streams share (at most one per code and proof). */
  get openChannels(): number {
    return this.channels.size;
  }

  /**
   * Lets the app add fields to each status event before it is written (e.g.
   * a short code on a rotation event), where an interceptor on the former
   * `@Sse` route saw each event: the stream is written below Nest's
   * interceptors now. Decorators run once per change, in the order added.
   */
  addViewDecorator(decorate: (view: QrCodeStatusView) => QrCodeStatusView): void {
    this.decorators.push(decorate);
  }

  /**
   * Whether `ip` may open one more stream here (`maxStreamsPerIp`). Counted
   * under the rate limits' key (`networkKeyOf`: an IPv6 /64, an IPv4 address
   * however it is spelled), so neither a /64's many addresses nor
   * `::ffff:1.2.3.4` beside `1.2.3.4` multiply the cap.
   */
  hasRoomFor(ip: string): boolean {
    return (this.perIp.get(networkKeyOf(ip)) ?? 0) < this.config.security.maxStreamsPerIp;
  }

  /**
   * Starts the stream on the raw response. `headers` are the ones the app
   * already set on the framework's response (CORS and the like), which a raw
   * write would otherwise lose on Fastify.
   */
  open(
    qrcodeId: string,
    proof: QrCodeProof,
    ip: string,
    request: IncomingMessage,
    response: ServerResponse,
    headers: OutgoingHttpHeaders = {},
  ): void {
    if (response.destroyed || response.writableEnded) return;
    const socket = request.socket;
    // A stream is long-lived and its events are small: no idle timeout, no Nagle delay.
    socket?.setKeepAlive?.(true);
    socket?.setNoDelay?.(true);
    socket?.setTimeout?.(0);
    response.writeHead(200, { ...headers, ...SSE_HEADERS });
    response.flushHeaders();

    const key = channelKey(qrcodeId, proof);
    let channel = this.channels.get(key);
    const joining = channel !== undefined;
    if (!channel) {
      channel = { key, clients: new Set(), ended: false };
      this.channels.set(key, channel);
    }
    const client: Client = { response, nextId: 1, channel, ip: networkKeyOf(ip) };
    channel.clients.add(client);
    this.clients.add(client);
    this.perIp.set(client.ip, (this.perIp.get(client.ip) ?? 0) + 1);
    this.startKeepAlive();
    response.once('close', () => this.release(client));
    if (joining) {
      if (channel.lastData !== undefined) this.write(client, channel.lastData);
      return;
    }
    const opened = channel;
    opened.subscription = this.service.watch(qrcodeId, proof).subscribe({
      next: (view) => this.publish(opened, view),
      error: (error) => {
        this.logger.error(error);
        this.endChannel(opened, INTERNAL_ERROR_FRAME);
      },
      complete: () => this.endChannel(opened),
    });
  }

  onModuleDestroy(): void {
    for (const channel of [...this.channels.values()]) this.endChannel(channel);
    this.stopKeepAlive();
  }

  private publish(channel: Channel, view: QrCodeStatusView): void {
    if (channel.ended) return;
    for (const decorate of this.decorators) view = decorate(view);
    // One serialisation per change for every stream of the channel; only the id differs per stream.
    const data = `data: ${JSON.stringify(view)}\n\n`;
    channel.lastData = data;
    for (const client of channel.clients) this.write(client, data);
    if (isTerminalStatus(view.status)) this.endChannel(channel);
  }

  private write(client: Client, data: string): void {
    const { response } = client;
    if (response.writableEnded || response.destroyed) return;
    if (response.writableLength > MAX_UNREAD_BYTES) {
      // The client stopped reading: drop it rather than hold its events; "close" releases the rest.
      response.destroy();
      return;
    }
    response.write(`id: ${client.nextId++}\n${data}`);
  }

  /** Ends every stream of the channel (after a terminal status, a failure or on shutdown) and releases its watch. */
  private endChannel(channel: Channel, lastFrame?: string): void {
    if (channel.ended) return;
    channel.ended = true;
    if (this.channels.get(channel.key) === channel) this.channels.delete(channel.key);
    channel.subscription?.unsubscribe();
    for (const client of [...channel.clients]) {
      if (lastFrame && !client.response.writableEnded) client.response.write(lastFrame);
      client.response.end();
      this.release(client);
    }
  }

  /** Forgets one stream; the last stream of a channel takes its watch with it. Safe to call twice. */
  private release(client: Client): void {
    if (!this.clients.delete(client)) return;
    const left = (this.perIp.get(client.ip) ?? 1) - 1;
    if (left > 0) this.perIp.set(client.ip, left);
    else this.perIp.delete(client.ip);
    const { channel } = client;
    channel.clients.delete(client);
    if (channel.clients.size === 0 && !channel.ended) {
      channel.ended = true;
      if (this.channels.get(channel.key) === channel) this.channels.delete(channel.key);
      channel.subscription?.unsubscribe();
    }
    if (this.clients.size === 0) this.stopKeepAlive();
  }

  /**
   * One timer for every open stream, started with the first and stopped with
   * the last. The comment also finds clients that left without a FIN: the
   * write fails and the socket closes.
   */
  private startKeepAlive(): void {
    if (this.keepAlive) return;
    this.keepAlive = setInterval(() => {
      for (const client of this.clients) {
        if (!client.response.writableEnded && !client.response.destroyed) client.response.write(KEEP_ALIVE_FRAME);
      }
    }, this.config.sseHeartbeatMs);
    this.keepAlive.unref();
  }

  private stopKeepAlive(): void {
    clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }
}

/**
 * Streams share a watch only when they would see exactly the same thing: the
 * same code read with the same proof (the kernel decides the view from both).
 * Kept in process memory only; secrets never leave it.
 */
function channelKey(qrcodeId: string, proof: QrCodeProof): string {
  const secrets = [...(proof.creatorSecrets ?? [])].sort().join('\u0001');
  return `${qrcodeId}\u0000${proof.client ?? ''}\u0000${proof.dpopJkt ?? ''}\u0000${secrets}`;
}
