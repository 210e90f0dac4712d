import { inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { writeQrPng } from './qr-login.image-png';

/* The PNG writer on tiny matrices: its size, its colours and its raw rows, padding bits included. */

/** The filtered rows of the image: the IDAT data inflated. */
function rawRows(png: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') parts.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return inflateSync(Buffer.concat(parts));
}

const modules = [
  [true, false, false],
  [false, false, false],
  [false, false, true],
];

describe('writeQrPng', () => {
  it('draws dark modules black and light ones white, one bit a pixel, 1 for white, padding bits left 0', () => {
    const png = writeQrPng(modules, 3);
    const image = PNG.sync.read(png);
    expect([image.width, image.height]).toStrictEqual([3, 3]);
    const pixel = (x: number, y: number) => image.data.readUInt32BE((y * 3 + x) * 4);
    expect([0, 1, 2].map((y) => [0, 1, 2].map((x) => pixel(x, y)))).toStrictEqual([
      [0x000000ff, 0xffffffff, 0xffffffff],
      [0xffffffff, 0xffffffff, 0xffffffff],
      [0xffffffff, 0xffffffff, 0x000000ff],
    ]);
    // Each row: filter 0, then the three pixels in the top bits of one byte.
    expect([...rawRows(png)]).toStrictEqual([0, 0b0110_0000, 0, 0b1110_0000, 0, 0b1100_0000]);
  });

  it('scales each module to whole pixels, reaching at least the width asked for', () => {
    const png = writeQrPng(modules, 8);
    const image = PNG.sync.read(png);
    // ceil(8 / 3) = 3 pixels a module: 9 wide, rows of 2 bytes after the filter byte.
    expect([image.width, image.height]).toStrictEqual([9, 9]);
    const row0 = [0, 0b0001_1111, 0b1000_0000];
    const row2 = [0, 0b1111_1100, 0b0000_0000];
    const white = [0, 0xff, 0x80];
    expect([...rawRows(png)]).toStrictEqual([
      ...row0,
      ...row0,
      ...row0,
      ...white,
      ...white,
      ...white,
      ...row2,
      ...row2,
      ...row2,
    ]);
  });
});
