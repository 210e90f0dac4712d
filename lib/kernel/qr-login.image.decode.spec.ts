import { readFileSync } from 'node:fs';
import jsQR from 'jsqr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { qrModules, renderQrImage } from './qr-login.image';

/*
 * Every image the module renders must scan. 2 000 random payloads, 50 at each
 * of the 40 versions a level-M code has (lengths spread from one byte past
 * the previous version's capacity to the version's own, both ends included),
 * are rendered to SVG, rasterised and read by two decoders that share no code:
 * ZXing C++ (WebAssembly) reads every image; jsQR (JavaScript), about ten
 * times slower, reads the shortest and the longest payload of each version
 * and every fifth other one (440 images), or all of them with
 * QR_DECODE_JSQR_ALL=1. One image in ten is rasterised by librsvg (through
 * sharp) instead of the reader below, so a real SVG renderer checks the
 * markup at every version too. The payloads come from a fixed seed;
 * QR_DECODE_SEED=<n> replays another run, QR_DECODE_SEED=random draws one.
 */

/** Bytes a level-M code holds in byte mode, by version (ISO/IEC 18004 table 7). */
const CAPACITY_M = [
  14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666, 711, 779, 857, 911,
  997, 1059, 1125, 1190, 1264, 1370, 1452, 1538, 1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331,
];
const PER_VERSION = Number(process.env.QR_DECODE_PER_VERSION ?? 50);
const QUIET_ZONE = 2;
/**
 * Pixels a module when rasterising. jsQR's sampler misreads a few valid images
 * at exactly 2 px a module (ZXing reads them, and jsQR reads the same image at
 * 1, 3, 4 or 5 px), so the images are drawn at 3.
 */
const SCALE = 3;
const JSQR_ALL = process.env.QR_DECODE_JSQR_ALL === '1';
/** The same payloads on every run and machine (QR_DECODE_SEED=random explores others; a failing seed replays). */
const SEED =
  process.env.QR_DECODE_SEED === 'random'
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.QR_DECODE_SEED ?? 20_261_207);

/** Deterministic PRNG (mulberry32), so a failing seed can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

// What payload URLs and ids are made of: URL-safe characters and the reserved ones.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&()*+,;=% ';

function payloadOf(bytes: number, next: () => number): string {
  let text = '';
  for (let i = 0; i < bytes; i++) text += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return text;
}

/**
 * An RGBA raster of the SVG the module writes, read as SVG: the viewBox gives
 * the size, a filled path must cover it in white, and the stroked path's
 * segments (M, m, h, H, v, V with the default 1-unit stroke) are painted black.
 * Any other markup fails the test rather than being guessed at.
 */
function rasterise(svg: string, scale: number): { data: Uint8ClampedArray; width: number; height: number } {
  const box = /^<svg [^>]*viewBox="0 0 (\d+) (\d+)"[^>]*>(.*)<\/svg>$/.exec(svg);
  if (!box || box[1] !== box[2]) throw new Error(`not a square SVG: ${svg.slice(0, 120)}`);
  const size = Number(box[1]);
  const paths = [...box[3].matchAll(/<path ([^>]*)\/>/g)].map((m) => m[1]);
  const stroke = /^stroke="#000" d="([^"]*)"$/.exec(paths[1] ?? '');
  if (
    box[3] !== paths.map((p) => `<path ${p}/>`).join('') ||
    paths.length !== 2 ||
    paths[0] !== `fill="#fff" d="M0 0h${size}v${size}H0z"` ||
    !stroke
  ) {
    throw new Error(`not a white square under one black stroked path: ${box[3].slice(0, 200)}`);
  }
  const width = size * scale;
  const grey = new Uint8Array(width * width).fill(255);
  let x = 0;
  let y = 0;
  for (const [, command, args] of stroke[1].matchAll(/([MmHhVv])([^MmHhVv]*)/g)) {
    const values = args.trim().split(/[ ,]+/).map(Number);
    const [a, b] = values;
    const from = [x, y];
    const arity = command === 'M' || command === 'm' ? 2 : 1;
    if (values.length !== arity || values.some((v) => !Number.isFinite(v))) throw new Error(`bad ${command}${args}`);
    if (arity === 2) {
      [x, y] = command === 'M' ? [a, b] : [x + a, y + b];
      continue;
    }
    if (command === 'h') x += a;
    else if (command === 'H') x = a;
    else if (command === 'v') y += a;
    else y = a;
    if (y !== from[1]) throw new Error('only horizontal strokes are expected');
    // A horizontal stroke of width 1 covers half a unit above and below its line.
    const top = (y - 0.5) * scale;
    if (!Number.isInteger(top)) throw new Error(`stroke off the module grid at y=${y}`);
    const left = Math.min(x, from[0]) * scale;
    const right = Math.max(x, from[0]) * scale;
    for (let row = top; row < top + scale; row++) grey.fill(0, row * width + left, row * width + right);
  }
  const data = new Uint8ClampedArray(width * width * 4);
  for (let i = 0; i < grey.length; i++) {
    data[i * 4] = data[i * 4 + 1] = data[i * 4 + 2] = grey[i];
    data[i * 4 + 3] = 255;
  }
  return { data, width, height: width };
}

async function rasteriseWithLibrsvg(svg: Buffer, scale: number) {
  const { data, info } = await sharp(svg, { density: 72 * scale })
    .flatten({ background: '#fff' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

describe('every rendered QR image decodes (jsQR and ZXing)', () => {
  const fetches: unknown[] = [];
  let zxingReads = 0;
  let jsQrReads = 0;

  beforeAll(async () => {
    // ZXing's default loader fetches its wasm from a CDN; the package ships it, so the test reads it from disk
    // and fails if anything tries the network.
    vi.stubGlobal('fetch', (url: unknown) => {
      fetches.push(url);
      throw new Error('no network in this test');
    });
    const wasm = require.resolve('zxing-wasm/reader/zxing_reader.wasm');
    const binary = readFileSync(wasm);
    await prepareZXingModule({
      overrides: { wasmBinary: binary.buffer.slice(binary.byteOffset, binary.byteOffset + binary.length) },
      fireImmediately: true,
    });
  });

  afterAll(() => {
    vi.unstubAllGlobals();
    expect(fetches).toEqual([]);
    if (PER_VERSION === 50) {
      expect(zxingReads).toBe(2_000);
      expect(jsQrReads).toBe(JSQR_ALL ? 2_000 : 440);
    }
  });

  it('covers version 1 to 40: the longest payload fits version 40 and one byte more is refused', () => {
    expect(qrModules('x'.repeat(CAPACITY_M[39]))).toHaveLength(17 + 4 * 40 + 2 * QUIET_ZONE);
    expect(() => qrModules('x'.repeat(CAPACITY_M[39] + 1))).toThrow(/capacity/i);
  });

  for (let version = 1; version <= 40; version++) {
    it(`version ${version}: ${PER_VERSION} random payloads read back exactly (seed ${SEED})`, async () => {
      const next = random(SEED + version);
      const shortest = version === 1 ? 1 : CAPACITY_M[version - 2] + 1;
      const longest = CAPACITY_M[version - 1];
      for (let i = 0; i < PER_VERSION; i++) {
        const length =
          i === 0 ? shortest : i === 1 ? longest : shortest + Math.floor(next() * (longest - shortest + 1));
        const payload = payloadOf(length, next);
        const { body } = await renderQrImage(payload, 'svg');
        const svg = body.toString('latin1');
        expect(svg).toContain(`viewBox="0 0 ${17 + 4 * version + 2 * QUIET_ZONE} `);
        const image = i % 10 === 3 ? await rasteriseWithLibrsvg(body, SCALE) : rasterise(svg, SCALE);
        const what = `version ${version}, payload #${i} (${length} bytes), seed ${SEED}`;

        if (JSQR_ALL || i === 1 || i % 5 === 0) {
          const byJsQr = jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' });
          expect(byJsQr?.data, `jsQR, ${what}`).toBe(payload);
          jsQrReads++;
        }

        const byZxing = await readBarcodes(
          { data: image.data, width: image.width, height: image.height, colorSpace: 'srgb' } as ImageData,
          { formats: ['QRCode'], maxNumberOfSymbols: 1 },
        );
        expect(
          byZxing.map((r) => r.text),
          `ZXing, ${what}`,
        ).toEqual([payload]);
        zxingReads++;
      }
    }, 180_000);
  }
});
