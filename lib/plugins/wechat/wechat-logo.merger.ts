import { Inject, Injectable } from '@nestjs/common';
import { QR_LOGIN_WECHAT_CONFIG } from './wechat.constants';
import type { ResolvedQrLoginWechatConfig } from './wechat.config';
import { wechatErrors } from './wechat.errors';
import type { WechatConnection } from './interfaces/wechat-options.interface';

/** The part of `sharp` the merger uses, typed here so the public types never need the optional peer. */
type SharpFactory = (input?: Buffer, options?: { raw: { width: number; height: number; channels: 4 } }) => any;

/** Largest logo the merger downloads, in bytes; a logo is an icon, not a photo. */
const MAX_LOGO_BYTES = 2 * 1024 * 1024;

/**
 * Runs `load` (an `import()` of an optional peer); undefined when the package
 * is not installed. Any other failure (installed but broken, e.g. a binary
 * for another platform) is rethrown: that should be seen, not hidden.
 * @internal
 */
export async function importOptional<T>(load: () => Promise<T>, name: string): Promise<T | undefined> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: string } | null)?.code;
    if (
      (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
      String((error as Error).message).includes(name)
    ) {
      return undefined;
    }
    throw error;
  }
}

/**
 * The `sharp` factory from `load` (its import), or undefined when the package
 * is not installed. The import is a parameter so a test can play a missing or
 * broken package; the merger always passes `import('sharp')`.
 * @internal
 */
export async function sharpFrom(load: () => Promise<unknown>): Promise<SharpFactory | undefined> {
  const module: any = await importOptional(load, 'sharp');
  return module === undefined ? undefined : ((module.default ?? module) as SharpFactory);
}

let sharpLoading: Promise<SharpFactory | undefined> | undefined;

/** `sharp` when installed (an optional peer, loaded on the first merge only), else undefined. */
function loadSharp(): Promise<SharpFactory | undefined> {
  sharpLoading ??= sharpFrom(() => import('sharp'));
  return sharpLoading;
}

/**
 * `autoMergeQrCode`: puts the connection's logo, cut to a circle, in the
 * centre of the code image, where a mini-program code has its own logo circle.
 * Logos are loaded once per connection and kept.
 */
@Injectable()
export class WechatLogoMerger {
  private readonly logos = new Map<string, Promise<Buffer>>();

  constructor(@Inject(QR_LOGIN_WECHAT_CONFIG) private readonly config: ResolvedQrLoginWechatConfig) {}

  /** The image with the logo merged in, as PNG. */
  async merge(connection: WechatConnection, image: Buffer): Promise<Buffer> {
    const sharp = await this.imageLibrary();
    if (!sharp) throw wechatErrors.mergeUnavailable();
    const logo = await this.logo(connection);
    try {
      const { width, height } = await sharp(image).metadata();
      const side = Math.max(1, Math.round(Math.min(width, height) * this.config.logoSize));
      const round = await sharp(logo)
        .resize(side, side, { fit: 'cover' })
        .ensureAlpha()
        .composite([{ input: circleMask(side), raw: { width: side, height: side, channels: 4 }, blend: 'dest-in' }])
        .png()
        .toBuffer();
      return await sharp(image)
        .composite([{ input: round, left: Math.round((width - side) / 2), top: Math.round((height - side) / 2) }])
        .png()
        .toBuffer();
    } catch (error) {
      // Only sharp runs here (the logo is loaded above), so every failure is its refusal of the bytes.
      throw wechatErrors.logoUnavailable(
        connection.id,
        `not an image sharp can read: ${String((error as Error)?.message ?? error).slice(0, 120)}`,
      );
    }
  }

  /** The image library; a method so a test can play an app without it. */
  protected imageLibrary(): Promise<SharpFactory | undefined> {
    return loadSharp();
  }

  private logo(connection: WechatConnection): Promise<Buffer> {
    let loading = this.logos.get(connection.id);
    if (!loading) {
      loading = this.load(connection);
      // A failed load is not kept, so the next request tries again.
      loading.catch(() => this.logos.delete(connection.id));
      this.logos.set(connection.id, loading);
    }
    return loading;
  }

  private async load(connection: WechatConnection): Promise<Buffer> {
    const url = connection.logoUrl!;
    if (url.startsWith('data:')) {
      const comma = url.indexOf(',');
      const base64 = url.slice(0, comma).endsWith(';base64');
      if (comma < 0) throw wechatErrors.logoUnavailable(connection.id, 'a data URL without data');
      return base64
        ? Buffer.from(url.slice(comma + 1), 'base64')
        : Buffer.from(decodeURIComponent(url.slice(comma + 1)));
    }
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.config.requestTimeoutMs) });
    } catch {
      throw wechatErrors.logoUnavailable(connection.id, 'it could not be downloaded');
    }
    if (!response.ok) throw wechatErrors.logoUnavailable(connection.id, `HTTP ${response.status}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length > MAX_LOGO_BYTES)
      throw wechatErrors.logoUnavailable(connection.id, `larger than ${MAX_LOGO_BYTES} bytes`);
    return bytes;
  }
}

/** An opaque white disc on a transparent square, RGBA: what stays of the logo under `dest-in`. */
function circleMask(side: number): Buffer {
  const mask = Buffer.alloc(side * side * 4);
  const r = side / 2;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const dx = x + 0.5 - r;
      const dy = y + 0.5 - r;
      // One pixel of soft edge, so the circle is not jagged.
      const alpha = Math.max(0, Math.min(1, r - Math.sqrt(dx * dx + dy * dy)));
      const i = (y * side + x) * 4;
      mask[i] = mask[i + 1] = mask[i + 2] = 255;
      mask[i + 3] = Math.round(alpha * 255);
    }
  }
  return mask;
}
