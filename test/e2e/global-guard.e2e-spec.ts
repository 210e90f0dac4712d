import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  type INestApplication,
  Module,
  Req,
  SetMetadata,
} from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isQrLoginController, QrLoginModule, type QrLoginStore } from '../../lib';
import { QrLoginDeviceGrantModule } from '../../lib/plugins/device';
import { QrLoginGenAuthModule } from '../../lib/plugins/genauth';
import { QrLoginWechatModule } from '../../lib/plugins/wechat';
import { ADAPTERS, type AdapterName } from '../app/test-app';
import { creatorHeader, nativeClient, request } from '../support/http';
import { STORE_KINDS } from '../support/stores';

/*
 * The global-guard pattern of the NestJS authentication docs: an APP_GUARD
 * JWT guard on every route, `@Public()` to exempt one. Web sessions and app
 * tokens carry different audiences, as the README recommends.
 */
const SECRET = 'global-guard-secret';
const IS_PUBLIC_KEY = 'isPublic';
const Public = () => SetMetadata(IS_PUBLIC_KEY, true);

interface User {
  id: string;
  username: string;
}
const USERS: User[] = [{ id: 'u1', username: 'alice' }];

/** Web sessions: tokens with audience `web`. */
@Injectable()
class WebJwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: SECRET,
      audience: 'web',
      algorithms: ['HS256'],
    });
  }
  validate(payload: { sub: string }): User | null {
    return USERS.find((u) => u.id === payload.sub) ?? null;
  }
}

/** The phone app: tokens with audience `app`, the only ones that may scan and confirm. */
@Injectable()
class AppJwtStrategy extends PassportStrategy(Strategy, 'jwt-app') {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: SECRET,
      audience: 'app',
      algorithms: ['HS256'],
    });
  }
  validate(payload: { sub: string }): User | null {
    return USERS.find((u) => u.id === payload.sub) ?? null;
  }
}

/** The docs' global guard, exempting `@Public()` handlers and classes. */
@Injectable()
class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }
  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    return isPublic ? true : super.canActivate(context);
  }
}

/** The other documented way: a guard that lets the module's own controllers through by class. */
@Injectable()
class ClassCheckingGuard implements CanActivate {
  private readonly jwt = new (AuthGuard('jwt'))();
  canActivate(context: ExecutionContext) {
    return isQrLoginController(context.getClass()) ? true : (this.jwt.canActivate(context) as Promise<boolean>);
  }
}

@Controller('profile')
class ProfileController {
  @Get()
  me(@Req() req: { user: User }) {
    return { username: req.user.username };
  }
}

/** A form-encoded POST to one of the device grant's endpoints. */
async function deviceForm(url: string, path: string, form: Record<string, string>) {
  const response = await fetch(`${url}/qr-login/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

type Variant = 'public-decorator' | 'class-check' | 'no-exemption';

async function boot(adapter: AdapterName, store: QrLoginStore, variant: Variant) {
  @Module({
    imports: [JwtModule.register({ secret: SECRET })],
    providers: [
      WebJwtStrategy,
      AppJwtStrategy,
      { provide: APP_GUARD, useClass: variant === 'class-check' ? ClassCheckingGuard : JwtAuthGuard },
    ],
    controllers: [ProfileController],
  })
  class AuthModule {}

  const moduleRef = await Test.createTestingModule({
    imports: [
      AuthModule,
      QrLoginModule.forRootAsync({
        ...(variant === 'public-decorator' ? { routeDecorators: [Public()] } : {}),
        imports: [JwtModule.register({ secret: SECRET })],
        inject: [JwtService],
        useFactory: (jwt: JwtService) => ({
          appAuth: { strategies: ['jwt-app'] },
          store,
          rateLimit: false,
          loadUser: (userId: string) => USERS.find((u) => u.id === userId) ?? null,
          issueTokenSet: (user: User) => ({
            access_token: jwt.sign({ sub: user.id }, { audience: 'web' }),
            token_type: 'Bearer',
            expires_in: 3600,
          }),
        }),
      }),
      QrLoginGenAuthModule.forRoot({ ...(variant === 'public-decorator' ? { routeDecorators: [Public()] } : {}) }),
      QrLoginDeviceGrantModule.forRoot({
        ...(variant === 'public-decorator' ? { routeDecorators: [Public()] } : {}),
        discovery: true,
        clients: [{ clientId: 'tv-app' }],
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication(adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(), {
    logger: false,
    forceCloseConnections: true,
  });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const appToken = moduleRef.get(JwtService).sign({ sub: 'u1' }, { audience: 'app' });
  return { app, url, appToken };
}

describe('the controllers the module and every plugin mount', () => {
  const modules = {
    QrLoginModule: QrLoginModule.forRoot({ routeDecorators: [Public()], appAuth: { strategies: ['jwt-app'] } }),
    QrLoginGenAuthModule: QrLoginGenAuthModule.forRoot({ routeDecorators: [Public()], v2: true }),
    QrLoginWechatModule: QrLoginWechatModule.forRoot({
      routeDecorators: [Public()],
      connections: [],
      findOrCreateUser: () => ({ id: 'wx-user' }),
    }),
    QrLoginDeviceGrantModule: QrLoginDeviceGrantModule.forRoot({
      routeDecorators: [Public()],
      discovery: true,
      clients: [{ clientId: 'tv-app' }],
    }),
  };

  it.each(Object.entries(modules))(
    '%s: each is recognised by isQrLoginController and carries routeDecorators',
    (_, mod) => {
      const controllers = mod.controllers ?? [];
      expect(controllers.length).toBeGreaterThan(0);
      for (const controller of controllers) {
        expect(isQrLoginController(controller), controller.name).toBe(true);
        expect(Reflect.getMetadata(IS_PUBLIC_KEY, controller), controller.name).toBe(true);
      }
    },
  );
});

describe.each(STORE_KINDS)('a global APP_GUARD over the $name store', (kind) => {
  beforeAll(() => kind.setup());
  afterAll(() => kind.teardown());

  describe.each(ADAPTERS)('on %s', (adapter) => {
    describe.each(['public-decorator', 'class-check'] as const)('exempted by %s', (variant) => {
      let app: INestApplication;
      let url: string;
      let appToken: string;
      beforeAll(async () => ({ app, url, appToken } = await boot(adapter, kind.make(), variant)));
      afterAll(() => app?.close());

      it('lets the whole flow through, while the app keeps its own routes guarded', async () => {
        const api = nativeClient(url);
        expect((await request(`${url}/profile`)).status).toBe(401);
        const created = await api.create();
        expect(created.status).toBe(201);
        const id = created.body.qrcodeId;
        expect((await api.status(id)).status).toBe(200);
        const bearer = { authorization: `Bearer ${appToken}` };
        expect((await api.act(id, 'scan', bearer)).status).toBe(200);
        expect((await api.act(id, 'confirm', bearer)).status).toBe(200);
        const ticket = (await api.status(id, creatorHeader(created))).body.ticket;
        const login = await api.login(ticket, creatorHeader(created));
        expect(login.status).toBe(200);
        // The web session works on the app's routes…
        const web = { authorization: `Bearer ${login.body.access_token}` };
        expect((await request(`${url}/profile`, { headers: web })).body).toEqual({ username: 'alice' });
        // …but cannot scan or confirm another code: app actions need an app token.
        const other = await api.create();
        const refused = await api.act(other.body.qrcodeId, 'scan', web);
        expect(refused.status).toBe(401);
        expect(refused.body.code).toBe('QR_APP_USER_UNAUTHENTICATED');
      });

      it('lets the device grant through: discovery, device_authorization and token', async () => {
        const discovery = await request(`${url}/.well-known/oauth-authorization-server`);
        expect(discovery.status).toBe(200);
        expect(discovery.body.token_endpoint).toBe(`${url}/qr-login/token`);
        const started = await deviceForm(url, 'device_authorization', { client_id: 'tv-app' });
        expect(started.status).toBe(200);
        expect(started.body.user_code).toEqual(expect.any(String));
        const poll = {
          client_id: 'tv-app',
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
          device_code: started.body.device_code,
        };
        // The guard let the poll reach the grant: it answers the grant's own "not yet", not 401.
        const pending = await deviceForm(url, 'token', poll);
        expect(pending.status).toBe(400);
        expect(pending.body.error).toBe('authorization_pending');

        const bearer = { authorization: `Bearer ${appToken}` };
        const scanned = await request(`${url}/qr-login/user-codes/scan`, {
          method: 'POST',
          json: { userCode: started.body.user_code, entry: 'typed' },
          headers: bearer,
        });
        expect(scanned.status).toBe(200);
        // A device flow is confirmed by its user code, never by id.
        const confirmed = await request(`${url}/qr-login/user-codes/confirm`, {
          method: 'POST',
          json: { userCode: started.body.user_code },
          headers: bearer,
        });
        expect(confirmed.status).toBe(200);
        const token = await deviceForm(url, 'token', poll);
        expect(token.status).toBe(200);
        expect(token.body.access_token).toEqual(expect.any(String));
      });

      it('lets the plugin routes through too', async () => {
        const created = await request(`${url}/api/v3/gene-qrcode`, { method: 'POST', json: { type: 'MOBILE_APP' } });
        expect(created.status).toBe(200);
        expect(created.body.statusCode).toBe(200);
      });
    });

    describe('without an exemption', () => {
      let app: INestApplication;
      let url: string;
      beforeAll(async () => ({ app, url } = await boot(adapter, kind.make(), 'no-exemption')));
      afterAll(() => app?.close());

      it('blocks the module routes (what routeDecorators is for)', async () => {
        expect((await nativeClient(url).create()).status).toBe(401);
      });

      it('blocks the device grant routes too', async () => {
        expect((await request(`${url}/.well-known/oauth-authorization-server`)).status).toBe(401);
        expect((await deviceForm(url, 'device_authorization', { client_id: 'tv-app' })).status).toBe(401);
      });
    });
  });
});
