import { Controller, Get, Module, Req, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { AdapterName } from '../app/test-app';

@Controller()
class WhoAmIController {
  @Get('whoami')
  whoami(@Req() request: { ip?: string }) {
    return { ip: request.ip };
  }
}

@Module({ controllers: [WhoAmIController] })
class WhoAmIModule {}

/**
 * A tiny app that answers the client address as the adapter sees it,
 * configured the way docs/security.md tells apps behind a reverse proxy to do:
 * trust the proxy on loopback, and only it.
 */
export async function startWhoAmIApp(
  adapter: AdapterName,
  trustProxy: boolean,
  module: any = WhoAmIModule,
): Promise<{ app: INestApplication; url: string }> {
  let app: INestApplication;
  if (adapter === 'fastify') {
    app = await NestFactory.create(module, new FastifyAdapter(trustProxy ? { trustProxy: 'loopback' } : {}), {
      logger: false,
      forceCloseConnections: true,
    });
  } else {
    app = await NestFactory.create(module, new ExpressAdapter(), { logger: false, forceCloseConnections: true });
    if (trustProxy) app.getHttpAdapter().getInstance().set('trust proxy', 'loopback');
  }
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}
