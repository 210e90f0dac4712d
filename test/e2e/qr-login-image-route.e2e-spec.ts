import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { beforeAll, expect, it } from 'vitest';
import { describeMatrix, type MatrixApp } from '../support/matrix';

/** `imageUrl: 'route'`: create answers a link, and the image route renders the code's payload on request. */
describeMatrix(
  'image route',
  { imageUrl: 'route', imageFormat: 'png', payloadUrl: 'https://app.test/phone?code={qrcodeId}' },
  (current) => {
    let app: MatrixApp;
    beforeAll(() => {
      app = current();
    });

    it('answers a link to the image on create, and the image there encodes the payload', async () => {
      const created = await app.api.create();
      expect(created.status).toBe(201);
      const { qrcodeId, url, payload } = created.body;
      expect(url).toBe(`/qr-login/qrcodes/${qrcodeId}/image`);
      const response = await fetch(`${app.url}${url}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(response.headers.get('cache-control')).toMatch(/max-age=(119|120)\b/);
      const bytes = Buffer.from(await response.arrayBuffer());
      const png = PNG.sync.read(bytes);
      const decoded = jsQR(
        new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length),
        png.width,
        png.height,
      );
      expect(decoded?.data).toBe(payload);
      // A second request gets the same bytes (rendered once per id).
      const again = Buffer.from(await (await fetch(`${app.url}${url}`)).arrayBuffer());
      expect(again.equals(bytes)).toBe(true);
    });

    it('answers 404 with a code for an id that was never created', async () => {
      const response = await fetch(`${app.url}/qr-login/qrcodes/not-a-real-id/image`);
      expect(response.status).toBe(404);
      expect((await response.json()).code).toBe('QR_NOT_FOUND');
    });
  },
);
