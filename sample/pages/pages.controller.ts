import { Controller, Get, NotFoundException, Param, Query, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { encodeQR } from 'qr';
import { normalizeUserCode, formatUserCode } from '../../lib/plugin';
import { SampleSettings } from '../sample.settings';
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
    private readonly settings: SampleSettings,
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

  /** A second device (a TV, a CLI): starts an OAuth device flow and shows its user code. */
  @Get('device')
  device(@Res({ passthrough: true }) response: unknown): string {
    return this.send(response, 'device.html');
  }

  /**
   * The device page's QR: the phone page's link for one user code (the
   * flow's `verification_uri_complete`). Only that link, so it renders no
   * text of a caller's choosing.
   */
  @Get('device/qr.svg')
  async deviceQr(
    @Query('user_code') userCode: unknown,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<string> {
    const code = normalizeUserCode(userCode);
    if (code === undefined) throw new NotFoundException('user_code must be a user code such as WDJB-MJHT.');
    const link = `${this.settings.requirePublicUrl()}/phone?user_code=${formatUserCode(code)}`;
    const adapter = this.adapterHost.httpAdapter;
    adapter.setHeader(response, 'Content-Type', 'image/svg+xml');
    adapter.setHeader(response, 'Cache-Control', 'no-store');
    return encodeQR(link, 'svg', { border: 1 });
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
