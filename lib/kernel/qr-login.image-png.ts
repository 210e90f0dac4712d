import { crc32, deflateSync } from 'node:zlib';

/*
 * PNG of a QR module matrix: 1-bit greyscale (black and white), each module
 * a square of whole pixels, so the file is small and sharp at any zoom.
 * Written here over node:zlib rather than through an image library: the
 * format needs only a header, the deflated rows and a CRC per chunk.
 */

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * The PNG of a module matrix (rows of booleans, true = dark, quiet zone
 * included), scaled by the smallest whole number of pixels a module that
 * makes it at least `minWidth` pixels wide.
 * @internal
 */
export function writeQrPng(modules: readonly (readonly boolean[])[], minWidth: number): Buffer {
  const n = modules.length;
  const scale = Math.max(1, Math.ceil(minWidth / n));
  const width = n * scale;
  const rowBytes = 1 + ((width + 7) >> 3); // filter byte, then 8 pixels a byte, 1 = white
  const pixels = Buffer.alloc(rowBytes * width);
  for (let y = 0; y < n; y++) {
    const line = pixels.subarray(y * scale * rowBytes, (y * scale + 1) * rowBytes);
    for (let px = 0; px < width; px++) {
      if (!modules[y][(px / scale) | 0]) line[1 + (px >> 3)] |= 0x80 >> (px & 7);
    }
    for (let copy = 1; copy < scale; copy++) line.copy(pixels, (y * scale + copy) * rowBytes);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(width, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale; compression, filter and interlace stay 0
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
