import { randomBytes } from 'node:crypto';
import type { INestApplication, LogLevel, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { QrLoginClock, QrLoginStore } from '../lib';
import { MmdbGeoLookup } from '../lib/risk';
import type { SampleAdapter } from './sample.env';
import { SampleModule } from './sample.module';
import { setupOpenApi } from './sample.openapi';
import { SampleSettings } from './sample.settings';

export interface SampleAppOptions {
  adapter: SampleAdapter;
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** Default: every interface. */
  host?: string;
  /** Origin inside the QR payload. Default: the URL the app listens on. */
  publicUrl?: string;
  /** Default: the module's in-memory store. */
  store?: QrLoginStore;
  /** Default: a random secret, so tokens die with the process. */
  jwtSecret?: string;
  /** Default: warnings and errors only. */
  logger?: false | LogLevel[] | LoggerService;
  /** Lifetime of a QR code in seconds. Default: the module's (120). */
  qrCodeTtl?: number;
  /** Number matching on the phone. Default on: the sample shows the flow that stops a relayed code. */
  numberMatching?: boolean;
  /** Passkey approval of every confirm, where the public URL allows it (see `SampleSettings.passkeys`). Default true. */
  passkeys?: boolean;
  /** Paths of MaxMind-format (`.mmdb`) databases, e.g. GeoLite2 City; the phone then sees where a login comes from. Default: none. */
  geoDatabases?: string[];
  /**
   * Which proxies' `X-Forwarded-For` to believe (Express `trust proxy`, Fastify
   * `trustProxy`): `true`, or the proxies' addresses/subnets such as `loopback`.
   * Default: none, so the address is the socket's.
   */
  trustProxy?: boolean | string;
  /** Rotate unscanned codes this often, in seconds. Default: never. */
  rotateEvery?: number;
  /** Folder of the built browser client. Default: `dist/client` of the repository (`npm run build:client`). */
  clientDir?: string;
  /** The module's rate limits; false only for load tests from one address. Default true. */
  rateLimit?: boolean;
  /** The module's clock, for tests that drive rotation and expiry by hand. Default: the system clock. */
  clock?: QrLoginClock;
  /** Password logins allowed per address per minute (`@nestjs/throttler`). Default 20. */
  loginLimit?: number;
}

/** Creates the sample app and listens; returns the app and the URL it answers on. */
export async function createSampleApp(opts: SampleAppOptions): Promise<{ app: INestApplication; url: string }> {
  // Read once, before the app starts, so a wrong path stops the start with the lookup's message.
  const geo = opts.geoDatabases?.length ? await MmdbGeoLookup.open(opts.geoDatabases) : undefined;
  const settings = new SampleSettings({
    publicUrl: opts.publicUrl,
    jwtSecret: opts.jwtSecret ?? randomBytes(32).toString('base64url'),
    store: opts.store,
    qrCodeTtl: opts.qrCodeTtl,
    numberMatching: opts.numberMatching,
    passkeys: opts.passkeys,
    rotateEvery: opts.rotateEvery,
    clientDir: opts.clientDir,
    geo,
    rateLimit: opts.rateLimit,
    clock: opts.clock,
    loginLimit: opts.loginLimit,
  });
  const trustProxy = opts.trustProxy;
  const adapter =
    opts.adapter === 'fastify'
      ? new FastifyAdapter(trustProxy === undefined ? {} : { trustProxy })
      : new ExpressAdapter();
  if (trustProxy !== undefined && adapter instanceof ExpressAdapter) adapter.set('trust proxy', trustProxy);
  const app = await NestFactory.create<INestApplication>(SampleModule.forRoot(settings), adapter, {
    logger: opts.logger ?? ['error', 'warn'],
    // SSE streams stay open for minutes; close() must not wait for them.
    forceCloseConnections: true,
    // Throw instead of exiting the process, so a bad option reaches the caller with its message.
    abortOnError: false,
  });
  try {
    setupOpenApi(app);
    const port = opts.port ?? 3000;
    await (opts.host ? app.listen(port, opts.host) : app.listen(port));
  } catch (error) {
    await app.close();
    throw error;
  }
  const url = await app.getUrl();
  settings.publicUrl ??= url;
  return { app, url };
}
