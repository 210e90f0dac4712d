import { describe, expect, it, vi } from 'vitest';
import { qrModules } from './qr-login.image';
import { qrSvgBase64, qrSvgBytes } from './qr-login.image-svg';

/*
 * The SVG writer byte for byte on small matrices, and read back module for
 * module on real QR codes: the path is parsed into a matrix again and
 * compared with the encoder's.
 */

const HEAD = (n: number) =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n} ${n}" shape-rendering="crispEdges">` +
  `<path fill="#fff" d="M0 0h${n}v${n}H0z"/><path stroke="#000" d="M0 .5`;
const TAIL = '"/></svg>';

/** A matrix of `n` rows with the dark runs given as [row, first column, length]. */
function matrix(n: number, runs: [number, number, number][]): boolean[][] {
  const rows = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
  for (const [y, x, length] of runs) for (let i = 0; i < length; i++) rows[y][x + i] = true;
  return rows;
}

/** The modules an SVG of this writer draws, read back from its path. */
function modulesOf(svg: string): boolean[][] {
  const found =
    /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 (\d+) \1" shape-rendering="crispEdges">/.exec(svg);
  if (!found) throw new Error(`not an SVG of this writer: ${svg.slice(0, 80)}`);
  const n = Number(found[1]);
  expect(svg.startsWith(HEAD(n))).toBe(true);
  expect(svg.endsWith(TAIL)).toBe(true);
  const path = svg.slice(HEAD(n).length, svg.length - TAIL.length);
  const rows = matrix(n, []);
  let penX = 0;
  let penY = 0;
  let read = 0;
  for (const move of path.matchAll(/m(-?\d+) (-?\d+)h(\d+)/g)) {
    expect(move.index).toBe(read);
    read += move[0].length;
    const x = penX + Number(move[1]);
    const y = penY + Number(move[2]);
    const length = Number(move[3]);
    expect(length).toBeGreaterThan(0);
    for (let i = 0; i < length; i++) {
      expect(rows[y][x + i]).toBe(false);
      rows[y][x + i] = true;
    }
    penX = x + length;
    penY = y;
  }
  expect(read).toBe(path.length);
  return rows;
}

const svgOf = (modules: boolean[][]) => qrSvgBytes(modules).toString('latin1');

describe('qrSvgBytes', () => {
  it('draws a white square and one stroke per run of dark modules, with moves relative to the last run', () => {
    const modules = [
      [true, false, true],
      [false, false, false],
      [true, true, false],
    ];
    expect(svgOf(modules)).toBe(`${HEAD(3)}m0 0h1m1 0h1m-3 2h2${TAIL}`);
    expect(svgOf(matrix(2, []))).toBe(`${HEAD(2)}${TAIL}`);
    expect(svgOf(matrix(1, [[0, 0, 1]]))).toBe(`${HEAD(1)}m0 0h1${TAIL}`);
  });

  it('writes numbers of one, two and three digits, negative ones, and runs that reach the right edge', () => {
    const modules = matrix(130, [
      [0, 0, 100],
      [10, 110, 10],
      [110, 0, 1],
      [129, 129, 1],
    ]);
    expect(svgOf(modules)).toBe(`${HEAD(130)}m0 0h100m10 10h10m-120 100h1m128 19h1${TAIL}`);
    expect(svgOf(matrix(12, [[11, 0, 12]]))).toBe(`${HEAD(12)}m0 11h12${TAIL}`);
  });

  it('gives the same bytes as base64', () => {
    const modules = qrModules('C5FR8f2uSGQ9UvLJCfNO6GsCSvA');
    expect(qrSvgBase64(modules)).toBe(qrSvgBytes(modules).toString('base64'));
    expect(Buffer.from(qrSvgBase64(modules), 'base64').toString('latin1')).toBe(svgOf(modules));
  });

  it('draws exactly the modules of real QR codes, quiet zone included', () => {
    for (const payload of [
      'C5FR8f2uSGQ9UvLJCfNO6GsCSvA',
      'https://example.com/phone?code=C5FR8f2uSGQ9UvLJCfNO6GsCSvA',
    ]) {
      const modules = qrModules(payload);
      const drawn = modulesOf(svgOf(modules));
      expect(drawn).toStrictEqual(modules);
      const n = modules.length;
      for (const edge of [0, 1, n - 2, n - 1]) {
        expect(drawn[edge].some(Boolean)).toBe(false);
        expect(drawn.some((row) => row[edge])).toBe(false);
      }
    }
    // 27 bytes need version 3: 29 modules and 2 of quiet zone each side.
    expect(qrModules('C5FR8f2uSGQ9UvLJCfNO6GsCSvA').length).toBe(33);
  });

  it('grows its buffer for the largest matrices, from a fresh start', async () => {
    vi.resetModules();
    const fresh = await vi.importActual<typeof import('./qr-login.image-svg')>('./qr-login.image-svg');
    // A 181-module checkerboard (version 40 with its quiet zone) has 91 runs a row: far more than 16 KB of path.
    const modules = Array.from({ length: 181 }, (_, y) => Array.from({ length: 181 }, (_, x) => (x + y) % 2 === 0));
    const svg = fresh.qrSvgBytes(modules).toString('latin1');
    expect(svg.length).toBeGreaterThan(16 * 1024);
    expect(modulesOf(svg)).toStrictEqual(modules);
    expect(modulesOf(svgOf(matrix(5, [[2, 1, 3]])))).toStrictEqual(matrix(5, [[2, 1, 3]]));
  });
});
