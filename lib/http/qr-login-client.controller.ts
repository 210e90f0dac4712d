import { Controller, Get, Inject, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { QR_LOGIN_CLIENT_ASSETS, type QrLoginClientAssets } from './qr-login-client.assets';
import { ApiExcludeController } from './qr-login.openapi';

/**
 * `GET /<prefix>/client/<file>.mjs` and `/<prefix>/client/app/<file>.mjs`: the
 * built browser client, mounted only with the `serveClient` module setting.
 * Answers through the platform adapter, so Express and Fastify send the same
 * bytes and headers; a request whose `If-None-Match` matches gets a 304.
 * @internal
 */
@Controller()
@ApiExcludeController()
export class QrLoginClientController {
  constructor(
    @Inject(QR_LOGIN_CLIENT_ASSETS) private readonly assets: QrLoginClientAssets,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get('client/:file')
  module(@Param('file') file: string, @Req() req: unknown, @Res() res: unknown): void {
    this.send(file, req, res);
  }

  @Get('client/app/:file')
  appModule(@Param('file') file: string, @Req() req: unknown, @Res() res: unknown): void {
    this.send(`app/${file}`, req, res);
  }

  private send(path: string, req: unknown, res: unknown): void {
    const found = this.assets.files.get(path);
    if (!found) {
      throw new NotFoundException(
        `The client has no module ${path}; import index.mjs (or app/index.mjs) from this folder.`,
      );
    }
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(res, 'Cache-Control', this.assets.cacheControl);
    adapter.setHeader(res, 'ETag', found.etag);
    adapter.setHeader(res, 'X-Content-Type-Options', 'nosniff');
    if (headerOf(req, 'if-none-match') === found.etag) {
      // `reply`, not `end`: Fastify's `end` writes to the raw response and would drop the headers above,
      // which a 304 must repeat (RFC 9110, section 15.4.5).
      adapter.reply(res, undefined, 304);
      return;
    }
    adapter.setHeader(res, 'Content-Type', 'text/javascript; charset=utf-8');
    adapter.reply(res, found.body, 200);
  }
}

function headerOf(req: unknown, name: string): string | undefined {
  const value = (req as { headers?: Record<string, string | string[] | undefined> }).headers?.[name];
  return Array.isArray(value) ? value[0] : value;
}
