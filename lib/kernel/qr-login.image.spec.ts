import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { renderQrDataUrl } from './qr-login.image';

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
});
