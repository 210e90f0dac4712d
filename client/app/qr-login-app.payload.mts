/*
 * Reading what the camera (or the user) gives the app: the text inside a QR
 * code, which the module's `payloadUrl` makes either the bare qrcodeId or a
 * URL carrying it, or a short code typed from under the QR image.
 *
 * No `URL` class on purpose: React Native's lacks `searchParams`.
 */

/** A qrcodeId: 27 characters of base64url. */
const QRCODE_ID = /^[A-Za-z0-9_-]{27}$/;
/** Query or fragment parameters that name the code, most likely first. */
const ID_PARAMS = ['code', 'qrcodeId', 'qrcode_id', 'qrcode', 'id'];
/** A typed code once spaces and dashes are gone: user codes are 6 to 16 letters and digits. */
const USER_CODE = /^[A-Za-z0-9]{6,16}$/;

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Whether the text has the shape of a qrcodeId (27 characters of base64url). */
export function isQrCodeId(text: string): boolean {
  return QRCODE_ID.test(text);
}

/**
 * The qrcodeId inside a scanned QR payload, or undefined. Takes the bare id,
 * or a URL that carries it in a query or fragment parameter (`code`,
 * `qrcodeId`, `qrcode_id`, `qrcode`, `id`, then any other) or as a path
 * segment, e.g. `https://example.com/phone?code=<id>` or `myapp://login/<id>`.
 */
export function qrcodeIdFromPayload(payload: string): string | undefined {
  const text = payload.trim();
  if (QRCODE_ID.test(text)) return text;
  const params: Array<[string, string]> = [];
  for (const match of text.matchAll(/[?&#]([^=&#?]+)=([^&#]*)/g)) params.push([decode(match[1]), decode(match[2])]);
  for (const name of ID_PARAMS) {
    const found = params.find(([key, value]) => key === name && QRCODE_ID.test(value));
    if (found) return found[1];
  }
  const anyParam = params.find(([, value]) => QRCODE_ID.test(value));
  if (anyParam) return anyParam[1];
  const path = text.replace(/[?#].*$/s, '');
  // Only in something that looks like a URL or a path, not in arbitrary text.
  if (!/^[a-z][a-z\d+.-]*:|^\//i.test(path)) return undefined;
  return path
    .split('/')
    .map(decode)
    .reverse()
    .find((segment) => QRCODE_ID.test(segment));
}

/**
 * What a scanned or typed text stands for: a QR code (`{ qrcodeId }`, for
 * `scan`), a short user code such as `WDJB-MJHT` (`{ userCode }`, for
 * `scanUserCode`, typed or from a device-flow link's `user_code`; case, spaces
 * and dashes are the server's to ignore), or
 * undefined when it is neither.
 */
export function readScannedCode(text: string): { qrcodeId: string } | { userCode: string } | undefined {
  const qrcodeId = qrcodeIdFromPayload(text);
  if (qrcodeId) return { qrcodeId };
  // An OAuth device flow's verification_uri_complete carries the user code as ?user_code=.
  const fromLink = /[?&]user_code=([^&#]+)/.exec(text)?.[1];
  const userCode = (fromLink === undefined ? text : decodeURIComponent(fromLink.replace(/\+/g, ' '))).trim();
  return USER_CODE.test(userCode.replace(/[\s-]/g, '')) ? { userCode } : undefined;
}
