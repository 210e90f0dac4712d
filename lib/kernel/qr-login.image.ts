import * as QRCode from 'qrcode';

/**
 * Renders the QR payload as a data URL an `<img>` shows directly, so the
 * create response is enough to display the code with no further request.
 * Error correction M survives a screen glare or a small logo; margin 2 modules
 * is enough quiet zone for phone scanners on a white page.
 */
export async function renderQrDataUrl(payload: string, format: 'svg' | 'png'): Promise<string> {
  // One byte-mode segment: ids and URLs gain nothing from mixed modes, and
  // skipping the library's segment search makes a code about a third cheaper
  // (BENCHMARKS.md, "QR image"). The mask is still chosen by penalty score.
  const segments: QRCode.QRCodeSegment[] = [{ data: Buffer.from(payload), mode: 'byte' }];
  if (format === 'png') {
    return QRCode.toDataURL(segments, { errorCorrectionLevel: 'M', margin: 2, width: 256, type: 'image/png' });
  }
  const svg = await QRCode.toString(segments, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** The image file of a payload, for the image route: bytes and content type. */
export async function renderQrImage(
  payload: string,
  format: 'svg' | 'png',
): Promise<{ contentType: string; body: Buffer }> {
  const segments: QRCode.QRCodeSegment[] = [{ data: Buffer.from(payload), mode: 'byte' }];
  if (format === 'png') {
    const body = await QRCode.toBuffer(segments, { errorCorrectionLevel: 'M', margin: 2, width: 256, type: 'png' });
    return { contentType: 'image/png', body };
  }
  const svg = await QRCode.toString(segments, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { contentType: 'image/svg+xml', body: Buffer.from(svg) };
}
