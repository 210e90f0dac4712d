import { Controller, Module, Post, UseGuards, Req, HttpCode, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  getQrLoginContext,
  QrLoginGuard,
  QrLoginModule,
  type QrLoginModuleOptions,
  type QrLoginStore,
} from '../../lib';
import { QrLoginGenAuthModule, type QrLoginGenAuthForRootOptions } from '../../lib/plugins/genauth';

export type AdapterName = 'express' | 'fastify';
export const ADAPTERS: AdapterName[] = ['express', 'fastify'];

/** App users of the fixture, by bearer token. */
export const APP_USERS: Record<string, { id: string; username: string; displayName: string; photo?: string }> = {
  'token-alice': { id: 'u-alice', username: 'alice', displayName: 'Alice', photo: 'https://example.test/alice.png' },
  'token-bob': { id: 'u-bob', username: 'bob', displayName: 'Bob' },
};

/** Resolves the app user from `Authorization: Bearer <token>` against APP_USERS. */
export function resolveFixtureUser(request: any) {
  const header: string | undefined = request.headers?.authorization;
  const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
  return token ? (APP_USERS[token] ?? null) : null;
}

/** An app's own login route guarded by the QR ticket, to prove QrLoginGuard works outside the module. */
@Controller('app')
class FixtureAppController {
  @Post('qr-session')
  @HttpCode(200)
  @UseGuards(QrLoginGuard)
  session(@Req() request: any) {
    return { sessionFor: request.user.id };
  }

  /** Also says how the login was made (`amr`, `risk`), as an app reads it to scope a QR login's session. */
  @Post('qr-session/context')
  @HttpCode(200)
  @UseGuards(QrLoginGuard)
  sessionContext(@Req() request: any) {
    const context = getQrLoginContext(request);
    return { sessionFor: request.user.id, amr: context?.amr, risk: context?.risk };
  }
}

@Module({ controllers: [FixtureAppController] })
class FixtureAppModule {}

export interface TestAppOptions {
  adapter: AdapterName;
  store?: QrLoginStore;
  options?: Partial<QrLoginModuleOptions>;
  routePrefix?: string;
  /** Mounts the GenAuth compatible routes with these settings and options (`v3` defaults to true). Default: not mounted. */
  genauth?: QrLoginGenAuthForRootOptions;
  /**
   * Trust `X-Forwarded-For` from a proxy on loopback, as docs/security.md tells apps
   * behind a reverse proxy to do (Express `trust proxy`, Fastify `trustProxy`). Default false.
   */
  trustProxy?: boolean;
  /** The loopback port to listen on (e.g. one a WebAuthn origin names before the app starts). Default: a free one. */
  port?: number;
}

export function fixtureOptions(extra: Partial<QrLoginModuleOptions> = {}): QrLoginModuleOptions {
  return {
    appAuth: { resolveUser: resolveFixtureUser },
    appName: 'Fixture Web',
    // The suites send bursts from one address; the rate-limit suite turns limits on itself.
    rateLimit: false,
    issueTokenSet: (user: any, context) => ({
      access_token: `session-for-${user.id}`,
      user,
      customData: context.customData,
    }),
    ...extra,
  };
}

/** Boots the fixture app on a free loopback port. */
export async function createTestApp(opts: TestAppOptions): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      QrLoginModule.forRoot({
        ...fixtureOptions({ ...(opts.store ? { store: opts.store } : {}), ...opts.options }),
        ...(opts.routePrefix ? { routePrefix: opts.routePrefix } : {}),
      }),
      ...(opts.genauth ? [QrLoginGenAuthModule.forRoot(opts.genauth)] : []),
      FixtureAppModule,
    ],
  }).compile();
  const app = moduleRef.createNestApplication(
    opts.adapter === 'fastify'
      ? new FastifyAdapter(opts.trustProxy ? { trustProxy: 'loopback' } : {})
      : new ExpressAdapter(),
    { logger: false, forceCloseConnections: true },
  );
  if (opts.trustProxy && opts.adapter === 'express') app.getHttpAdapter().getInstance().set('trust proxy', 'loopback');
  await app.listen(opts.port ?? 0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url };
}
