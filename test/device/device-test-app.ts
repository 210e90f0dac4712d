import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { QrLoginDeviceGrantModule, type QrLoginDeviceGrantForRootOptions } from '../../lib/plugins/device';
import { QrLoginModule, type QrLoginForRootOptions, type QrLoginStore } from '../../lib';
import { QrLoginGenAuthModule, type QrLoginGenAuthForRootOptions } from '../../lib/plugins/genauth';
import { fixtureOptions, type AdapterName } from '../app/test-app';
import type { ManualClock } from '../support/manual-clock';

/** The device grant's clients in the fixture: a public CLI, and confidential ones per authentication method. */
export const DEVICE_CLIENTS: QrLoginDeviceGrantForRootOptions['clients'] = [
  { clientId: 'tv-app', name: 'Living-room TV' },
  { clientId: 'basic-app', clientSecret: 'basic-secret', tokenEndpointAuthMethod: 'client_secret_basic' },
  { clientId: 'post-app', clientSecret: 'post-secret', tokenEndpointAuthMethod: 'client_secret_post' },
];

export interface DeviceTestAppOptions {
  adapter: AdapterName;
  store?: QrLoginStore;
  clock?: ManualClock;
  options?: Partial<QrLoginForRootOptions>;
  grant?: Partial<QrLoginDeviceGrantForRootOptions>;
  /** Mounts the GenAuth compatible routes beside the device grant. Default: not mounted. */
  genauth?: QrLoginGenAuthForRootOptions;
  /** Trust `X-Forwarded-For` from loopback (Express `trust proxy`, Fastify `trustProxy`), to stand in for distant requesters. */
  trustProxy?: boolean;
}

/** The fixture app with the device grant (1 s interval, discovery on), on a free loopback port. */
export async function createDeviceTestApp(opts: DeviceTestAppOptions): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      QrLoginModule.forRoot(
        fixtureOptions({
          ...(opts.store ? { store: opts.store } : {}),
          ...(opts.clock ? { clock: opts.clock } : {}),
          issueTokenSet: (user: any) => ({ access_token: `session-for-${user.id}`, expires_in: 3600, user }),
          ...opts.options,
        }),
      ),
      QrLoginDeviceGrantModule.forRoot({ clients: DEVICE_CLIENTS, interval: 1, discovery: true, ...opts.grant }),
      ...(opts.genauth ? [QrLoginGenAuthModule.forRoot(opts.genauth)] : []),
    ],
  }).compile();
  const app = moduleRef.createNestApplication(
    opts.adapter === 'fastify'
      ? new FastifyAdapter(opts.trustProxy ? { trustProxy: 'loopback' } : {})
      : new ExpressAdapter(),
    {
      logger: false,
      forceCloseConnections: true,
    },
  );
  if (opts.trustProxy && opts.adapter === 'express') app.getHttpAdapter().getInstance().set('trust proxy', 'loopback');
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

/**
 * Starts, then closes, the kernel (the fixture's options with `options` over
 * them) and the device grant, with no HTTP server: rejects as the app's start
 * would when the grant's start-up checks refuse the pair.
 */
export async function startDeviceModules(
  options: Partial<QrLoginForRootOptions>,
  grant: Partial<QrLoginDeviceGrantForRootOptions> = {},
): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      QrLoginModule.forRoot(fixtureOptions(options)),
      QrLoginDeviceGrantModule.forRoot({ clients: DEVICE_CLIENTS, ...grant }),
    ],
  }).compile();
  try {
    await moduleRef.init();
  } finally {
    await moduleRef.close();
  }
}
