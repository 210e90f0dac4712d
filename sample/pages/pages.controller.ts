import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { APP_CLIENT_PREFIX, CLIENT_PREFIX, PublicAssets } from './public-assets';

// The pages load nothing from other hosts; QR images and avatars are data: URLs.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the three pages, their assets and the browser client from memory
 * through the HTTP adapter's abstraction, so the same code runs on Express and
 * Fastify.
 */
@Controller()
export class PagesController {
  constructor(
    private readonly assets: PublicAssets,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** The web page: a live QR code and its status. */
  @Get()
  index(@Res({ passthrough: true }) response: unknown): string {
    return this.send(response, 'index.html');
  }

  /** The phone simulator. */
  @Get('phone')
  phone(@Res({ passthrough: true }) response: unknown): string {
    return this.send(response, 'phone.html');
  }

  /** Where the web page lands once logged in. */
  @Get('me')
  me(@Res({ passthrough: true }) response: unknown): string {
    return this.send(response, 'me.html');
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res({ passthrough: true }) response: unknown): string {
    if (name.endsWith('.html')) throw new NotFoundException(`No asset named ${name}.`);
    return this.send(response, name);
  }

  /** The browser client's ES modules (`nestjs-qr-login/client`, as built into dist/client). */
  @Get('assets/client/:name')
  clientModule(@Param('name') name: string, @Res({ passthrough: true }) response: unknown): string {
    return this.send(response, `${CLIENT_PREFIX}${name}`);
  }

  /** The app client's ES modules (`nestjs-qr-login/app`), which the phone simulator runs on. */
  @Get('assets/client/app/:name')
  appClientModule(@Param('name') name: string, @Res({ passthrough: true }) response: unknown): string {
    return this.send(response, `${APP_CLIENT_PREFIX}${name}`);
  }

  private send(response: unknown, name: string): string {
    const asset = this.assets.get(name);
    if (!asset) throw new NotFoundException(`No asset named ${name}.`);
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(response, 'Content-Type', asset.contentType);
    // Revalidate on every load, so an edited page shows after a restart.
    adapter.setHeader(response, 'Cache-Control', 'no-cache');
    adapter.setHeader(response, 'X-Content-Type-Options', 'nosniff');
    if (name.endsWith('.html')) {
      adapter.setHeader(response, 'Content-Security-Policy', CONTENT_SECURITY_POLICY);
      // The phone page's URL carries a login code; keep it out of Referer headers.
      adapter.setHeader(response, 'Referrer-Policy', 'no-referrer');
    }
    return asset.body;
  }
}
