import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { closedAfterEach } from '../../../test/support/closed-after-each';
import { WechatLogoMerger, importOptional, sharpFrom } from './wechat-logo.merger';
import type { ResolvedQrLoginWechatConfig } from './wechat.config';
import type { WechatConnection } from './interfaces/wechat-options.interface';

describe('importOptional', () => {
  it('is undefined for a package that is not installed', async () => {
    const name = 'nestjs-qr-login-absent-peer';
    expect(await importOptional(() => import(name), name)).toBeUndefined();
  });

  it('rethrows any other failure, and a missing dependency of the package itself', async () => {
    await expect(importOptional(() => Promise.reject(new SyntaxError('bad binary')), 'sharp')).rejects.toThrow(
      'bad binary',
    );
    const inner = Object.assign(new Error("Cannot find module 'libvips-binding'"), { code: 'MODULE_NOT_FOUND' });
    await expect(importOptional(() => Promise.reject(inner), 'sharp')).rejects.toBe(inner);
  });

  it('is undefined for either code of a missing module, when the message names the package', async () => {
    for (const code of ['MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND']) {
      const missing = Object.assign(new Error("Cannot find module 'sharp'"), { code });
      expect(await importOptional(() => Promise.reject(missing), 'sharp'), code).toBeUndefined();
    }
  });

  it('rethrows a failure that names the package but is no missing module, and a bare rejection', async () => {
    const broken = Object.assign(new Error('Could not load the "sharp" module using the linux-x64 runtime'), {
      code: 'ERR_DLOPEN_FAILED',
    });
    await expect(importOptional(() => Promise.reject(broken), 'sharp')).rejects.toBe(broken);
    await expect(importOptional(() => Promise.reject(new Error('sharp is broken')), 'sharp')).rejects.toThrow(
      'sharp is broken',
    );
    await expect(importOptional(() => Promise.reject(null), 'sharp')).rejects.toBeNull();
  });

  it('loads a package that is installed', async () => {
    expect(await importOptional(() => import('pngjs'), 'pngjs')).toHaveProperty('PNG');
  });
});

describe('WechatLogoMerger without sharp', () => {
  class WithoutSharp extends WechatLogoMerger {
    protected override imageLibrary() {
      return Promise.resolve(undefined);
    }
  }

  it('answers 501 QR_WECHAT_MERGE_UNAVAILABLE, saying how to fix it', async () => {
    const merger = new WithoutSharp({ logoSize: 0.45, requestTimeoutMs: 1000 } as ResolvedQrLoginWechatConfig);
    const attempt = merger.merge(
      { id: 'mini', type: 'WECHAT_MINIPROGRAM', appId: 'wx', appSecret: 's', logoUrl: 'data:image/png;base64,AAAA' },
      Buffer.alloc(8),
    );
    await expect(attempt).rejects.toMatchObject({
      status: 501,
      response: {
        statusCode: 501,
        code: 'QR_WECHAT_MERGE_UNAVAILABLE',
        message: expect.stringContaining('npm install sharp'),
      },
    });
  });
});

describe('sharpFrom', () => {
  const factory = () => undefined;

  it("takes the module's default export, or the module itself when it has none", async () => {
    expect(await sharpFrom(() => Promise.resolve({ default: factory }))).toBe(factory);
    expect(await sharpFrom(() => Promise.resolve(factory))).toBe(factory);
    expect(await sharpFrom(() => import('sharp'))).toBe(sharp);
  });

  it('is undefined when sharp is not installed, whichever loader says so', async () => {
    for (const code of ['MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND']) {
      const missing = Object.assign(new Error("Cannot find package 'sharp' imported from /app/x.js"), { code });
      expect(await sharpFrom(() => Promise.reject(missing)), code).toBeUndefined();
    }
  });

  it('rethrows a missing module that is not sharp itself: a broken install must be seen', async () => {
    const inner = Object.assign(new Error("Cannot find module '@img/libvips-linux-x64'"), { code: 'MODULE_NOT_FOUND' });
    await expect(sharpFrom(() => Promise.reject(inner))).rejects.toBe(inner);
  });
});

describe('WechatLogoMerger with sharp', () => {
  const keep = closedAfterEach<{ close(): Promise<unknown> }>();
  const config = { logoSize: 0.45, requestTimeoutMs: 1000 } as ResolvedQrLoginWechatConfig;
  const BLUE = { r: 0, g: 0, b: 255 };
  const RED = { r: 255, g: 0, b: 0 };
  const square = (side: number, colour: typeof BLUE) =>
    sharp({ create: { width: side, height: side, channels: 3, background: colour } })
      .png()
      .toBuffer();
  const mini = (logoUrl: string): WechatConnection => ({
    id: 'mini',
    type: 'WECHAT_MINIPROGRAM',
    appId: 'wx',
    appSecret: 's',
    logoUrl,
  });
  /** The RGB of the merged PNG at (x, y). */
  const pixel = async (png: Buffer, x: number, y: number) => {
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const i = (y * info.width + x) * 3;
    return { r: data[i], g: data[i + 1], b: data[i + 2] };
  };
  /** Serves `answer` at every path on loopback; the URL. */
  const serving = async (answer: (response: import('node:http').ServerResponse) => void): Promise<string> => {
    const server: Server = createServer((_request, response) => answer(response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    keep({ close: () => new Promise((resolve) => server.close(resolve)) });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/logo.png`;
  };
  const refusal = (why: string) => ({
    status: 502,
    response: {
      statusCode: 502,
      code: 'QR_WECHAT_LOGO_UNAVAILABLE',
      message: `The logo of connection "mini" cannot be loaded for merging (${why}); check its "logoUrl".`,
    },
  });

  it('merges a base64 data URL logo as a disc in the centre, 0.45 of the side', async () => {
    const logo = await square(8, RED);
    const merged = await new WechatLogoMerger(config).merge(
      mini(`data:image/png;base64,${logo.toString('base64')}`),
      await square(100, BLUE),
    );
    expect(await sharp(merged).metadata()).toMatchObject({ format: 'png', width: 100, height: 100 });
    expect(await pixel(merged, 50, 50)).toEqual(RED);
    // The disc spans 45 pixels from 28: its edge is red, the corners of its square keep the code.
    expect(await pixel(merged, 29, 50)).toEqual(RED);
    expect(await pixel(merged, 71, 50)).toEqual(RED);
    expect(await pixel(merged, 29, 29)).toEqual(BLUE);
    expect(await pixel(merged, 26, 50)).toEqual(BLUE);
  });

  it('sizes the disc on the shorter side of the image, and takes a grey logo without alpha', async () => {
    const grey = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect(await sharp(grey).metadata()).toMatchObject({ channels: 1, hasAlpha: false });
    const wide = await sharp({ create: { width: 200, height: 100, channels: 3, background: BLUE } })
      .png()
      .toBuffer();
    const merged = await new WechatLogoMerger(config).merge(
      mini(`data:image/png;base64,${grey.toString('base64')}`),
      wide,
    );
    const GREY = { r: 128, g: 128, b: 128 };
    // 45 pixels wide, from x 78 and y 28.
    expect(await pixel(merged, 100, 50)).toEqual(GREY);
    expect(await pixel(merged, 100, 29)).toEqual(GREY);
    expect(await pixel(merged, 100, 26)).toEqual(BLUE);
    expect(await pixel(merged, 79, 29)).toEqual(BLUE);
    expect(await pixel(merged, 76, 50)).toEqual(BLUE);
  });

  it('merges a percent-encoded data URL logo (SVG)', async () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="#ff0000"/></svg>';
    const merged = await new WechatLogoMerger(config).merge(
      mini(`data:image/svg+xml,${encodeURIComponent(svg)}`),
      await square(100, BLUE),
    );
    expect(await pixel(merged, 50, 50)).toEqual(RED);
    expect(await pixel(merged, 29, 29)).toEqual(BLUE);
  });

  it('refuses a data URL without data', async () => {
    const attempt = new WechatLogoMerger(config).merge(mini('data:image/png;base64'), await square(100, BLUE));
    await expect(attempt).rejects.toMatchObject(refusal('a data URL without data'));
  });

  it("refuses a logo sharp cannot read with sharp's reason, cut to 120 characters", async () => {
    // libxml names the unclosed element, so the reason runs past 120 characters.
    const broken = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><${'a'.repeat(150)}></svg>`,
    );
    const reason = await sharp(broken)
      .toBuffer()
      .then(
        () => '',
        (error: Error) => error.message,
      );
    expect(reason.length).toBeGreaterThan(120);
    for (const [logo, why] of [
      [broken, reason],
      [Buffer.from('not an image'), 'Input buffer contains unsupported image format'],
    ] as const) {
      const attempt = new WechatLogoMerger(config).merge(
        mini(`data:image/png;base64,${logo.toString('base64')}`),
        await square(100, BLUE),
      );
      await expect(attempt).rejects.toMatchObject(refusal(`not an image sharp can read: ${why.slice(0, 120)}`));
    }
  });

  it('downloads an http(s) logo, refusing an error status and a logo over 2 MiB', async () => {
    const logo = await square(8, RED);
    const merger = new WechatLogoMerger(config);
    const image = await square(100, BLUE);
    const good = await serving((response) => response.end(logo));
    expect(await pixel(await merger.merge(mini(good), image), 50, 50)).toEqual(RED);
    const missing = await serving((response) => response.writeHead(404).end('not found'));
    await expect(new WechatLogoMerger(config).merge(mini(missing), image)).rejects.toMatchObject(refusal('HTTP 404'));
    const huge = await serving((response) => response.end(Buffer.alloc(2 * 1024 * 1024 + 1)));
    await expect(new WechatLogoMerger(config).merge(mini(huge), image)).rejects.toMatchObject(
      refusal('larger than 2097152 bytes'),
    );
    // Exactly 2 MiB is downloaded, and then refused by sharp as no image.
    const largest = await serving((response) => response.end(Buffer.alloc(2 * 1024 * 1024)));
    await expect(new WechatLogoMerger(config).merge(mini(largest), image)).rejects.toMatchObject(
      refusal('not an image sharp can read: Input buffer contains unsupported image format'),
    );
  });

  it('downloads a logo once per connection and keeps it', async () => {
    const logo = await square(8, RED);
    let downloads = 0;
    const url = await serving((response) => {
      downloads++;
      response.end(logo);
    });
    const merger = new WechatLogoMerger(config);
    const image = await square(100, BLUE);
    await merger.merge(mini(url), image);
    expect(await pixel(await merger.merge(mini(url), image), 50, 50)).toEqual(RED);
    expect(downloads).toBe(1);
    await merger.merge({ ...mini(url), id: 'other' }, image);
    expect(downloads).toBe(2);
  });

  it('gives up on a logo server that never answers after requestTimeoutMs', async () => {
    // The server holds the request open: only the timeout ends the download.
    const url = await serving(() => undefined);
    const merger = new WechatLogoMerger({ ...config, requestTimeoutMs: 1 });
    await expect(merger.merge(mini(url), await square(100, BLUE))).rejects.toMatchObject(
      refusal('it could not be downloaded'),
    );
  });

  it('refuses a logo that cannot be downloaded, and tries again on the next merge', async () => {
    let up = false;
    const logo = await square(8, RED);
    const url = await serving((response) => (up ? response.end(logo) : response.socket?.destroy()));
    const merger = new WechatLogoMerger(config);
    const image = await square(100, BLUE);
    await expect(merger.merge(mini(url), image)).rejects.toMatchObject(refusal('it could not be downloaded'));
    up = true;
    expect(await pixel(await merger.merge(mini(url), image), 50, 50)).toEqual(RED);
  });
});
