import { encodeQR } from 'qr';
import { writeQrPng } from './qr-login.image-png';
import { qrSvgBase64, qrSvgBytes } from './qr-login.image-svg';

/*
 * Every image has error correction M (survives a screen glare or a small
 * logo), a quiet zone of 2 modules (enough for phone scanners on a white
 * page), dark modules in black on white, and the payload as one byte-mode
 * segment: ids and URLs gain nothing from mixed modes. The encoder (`qr`)
 * gives the module matrix and still chooses the mask by penalty score; the
 * writers beside this file turn the matrix into SVG or PNG bytes
 * (BENCHMARKS.md, "QR image").
 */

/** Quiet zone around the symbol, in modules. */
const QUIET_ZONE = 2;

/** PNG width the modules are scaled up to (at least this many pixels; whole pixels a module). */
const PNG_MIN_WIDTH = 256;

/**
 * The module matrix with its quiet zone, rows of booleans (true = dark).
 * Throws ("Capacity overflow") when the payload is longer than a version-40
 * code at level M holds: 2 331 bytes of UTF-8.
 * @internal
 */
export function qrModules(payload: string): boolean[][] {
  return encodeQR(payload, 'raw', { ecc: 'medium', encoding: 'byte', border: QUIET_ZONE });
}

/**
 * Renders the QR payload as a data URL an `<img>` shows directly, so the
 * create response is enough to display the code with no further request.
 * @internal
 */
export async function renderQrDataUrl(payload: string, format: 'svg' | 'png'): Promise<string> {
  if (format === 'png')
    return `data:image/png;base64,${writeQrPng(qrModules(payload), PNG_MIN_WIDTH).toString('base64')}`;
  return `data:image/svg+xml;base64,${qrSvgBase64(qrModules(payload))}`;
}

/** The image file of a payload, for the image route: bytes and content type. @internal */
export async function renderQrImage(
  payload: string,
  format: 'svg' | 'png',
): Promise<{ contentType: string; body: Buffer }> {
  if (format === 'png') return { contentType: 'image/png', body: writeQrPng(qrModules(payload), PNG_MIN_WIDTH) };
  return { contentType: 'image/svg+xml', body: qrSvgBytes(qrModules(payload)) };
}
