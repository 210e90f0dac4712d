/*
 * SVG of a QR module matrix: a white square and one black `<path>` whose
 * horizontal runs of dark modules are strokes one module wide
 * (`m<dx> <dy>h<length>`, relative moves keep the numbers short). About
 * 1.3 KB for a 27-character id. The bytes are written straight into a
 * reused buffer: building the path as a string and encoding it afterwards
 * cost more than the encoder itself (BENCHMARKS.md, "QR image").
 */

const ZERO = 0x30;
const MINUS = 0x2d;

/** Reused scratch bytes, grown to the largest matrix seen (at most about 215 KB, version 40). */
let scratch = Buffer.allocUnsafe(16 * 1024);

/** Writes the SVG into `scratch` and returns its length in bytes. */
function writeSvg(modules: readonly (readonly boolean[])[]): number {
  const n = modules.length;
  // A run is at most 14 bytes ("m-180 180h180"); a row holds at most ceil(n / 2) runs.
  const bound = n * ((n + 1) >> 1) * 14 + 256;
  if (scratch.length < bound) scratch = Buffer.allocUnsafe(bound);
  const out = scratch;
  let at = out.write(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n} ${n}" shape-rendering="crispEdges">` +
      `<path fill="#fff" d="M0 0h${n}v${n}H0z"/><path stroke="#000" d="M0 .5`,
    0,
    'latin1',
  );
  const digits = (value: number): void => {
    if (value < 0) {
      out[at++] = MINUS;
      value = -value;
    }
    if (value >= 100) out[at++] = ZERO + ((value / 100) | 0);
    if (value >= 10) out[at++] = ZERO + (((value / 10) | 0) % 10);
    out[at++] = ZERO + (value % 10);
  };
  // The pen sits at the end of the last run drawn, on the middle line of its row.
  let penX = 0;
  let penY = 0;
  for (let y = 0; y < n; y++) {
    const row = modules[y];
    let x = 0;
    while (x < n) {
      if (!row[x]) {
        x++;
        continue;
      }
      const start = x;
      while (++x < n && row[x]);
      out[at++] = 0x6d; // m
      digits(start - penX);
      out[at++] = 0x20;
      digits(y - penY);
      out[at++] = 0x68; // h
      digits(x - start);
      penX = x;
      penY = y;
    }
  }
  return at + out.write('"/></svg>', at, 'latin1');
}

/** The SVG of a module matrix (rows of booleans, true = dark, quiet zone included), base64. @internal */
export function qrSvgBase64(modules: readonly (readonly boolean[])[]): string {
  const length = writeSvg(modules);
  return scratch.toString('base64', 0, length);
}

/** The SVG of a module matrix as bytes of its own (the image route caches them). @internal */
export function qrSvgBytes(modules: readonly (readonly boolean[])[]): Buffer {
  const length = writeSvg(modules);
  return Buffer.from(scratch.subarray(0, length));
}
