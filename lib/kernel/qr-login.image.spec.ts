import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { qrModules, renderQrDataUrl, renderQrImage } from './qr-login.image';

describe('renderQrDataUrl', () => {
  it('renders a PNG that decodes back to the payload', async () => {
    const payload = 'https://example.com/phone?code=C5FR8f2uSGQ9UvLJCfNO6GsCSvA';
    const url = await renderQrDataUrl(payload, 'png');
    expect(url).toMatch(/^data:image\/png;base64,/);
    const png = PNG.sync.read(Buffer.from(url.split(',')[1], 'base64'));
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(decoded?.data).toBe(payload);
  });

  it('renders an SVG with one dark path on a light background', async () => {
    const url = await renderQrDataUrl('C5FR8f2uSGQ9UvLJCfNO6GsCSvA', 'svg');
    const svg = Buffer.from(url.split(',')[1], 'base64').toString();
    expect(svg).toMatch(/^<svg[^>]+viewBox="0 0 (\d+) \1"/);
    expect(svg).toContain('<path');
  });

  it('gives the image route the same bytes as the data URL, with their content type', async () => {
    const payload = 'https://example.com/phone?code=C5FR8f2uSGQ9UvLJCfNO6GsCSvA';
    for (const format of ['svg', 'png'] as const) {
      const file = await renderQrImage(payload, format);
      const url = await renderQrDataUrl(payload, format);
      expect(file.contentType).toBe(format === 'svg' ? 'image/svg+xml' : 'image/png');
      expect(url).toBe(`data:${file.contentType};base64,${file.body.toString('base64')}`);
    }
  });

  it('draws a PNG of whole pixels a module, at least 256 wide, black on white', async () => {
    const { body } = await renderQrImage('C5FR8f2uSGQ9UvLJCfNO6GsCSvA', 'png');
    const png = PNG.sync.read(body);
    // 27 bytes need version 3 (29 modules) plus 2 modules of quiet zone each side: 33 modules of 8 pixels.
    expect([png.width, png.height]).toEqual([264, 264]);
    const colours = new Set<number>();
    for (let i = 0; i < png.data.length; i += 4) colours.add(png.data.readUInt32BE(i));
    expect([...colours].sort()).toEqual([0x000000ff, 0xffffffff]);
  });
});

describe('qrModules', () => {
  it('encodes at level M in byte mode with 2 modules of quiet zone, whatever the payload holds', () => {
    // Fifty digits take version 4 (33 modules) in byte mode at level M, plus 2 + 2 of quiet zone; the encoder's
    // own choice (numeric mode) would fit a smaller version.
    expect(qrModules('1234567890'.repeat(5)).length).toBe(37);
    // Upper-case text stays in byte mode too: version 2 (25 modules) at level M.
    expect(qrModules('HTTPS://EXAMPLE.COM/P').length).toBe(29);
  });
});
