import { WechatApiError } from './wechat.errors';

/** What one call to WeChat's servers needs of the options: where they are and how long to wait. @internal */
export interface WechatTransportConfig {
  /** Without a trailing slash. */
  baseUrl: string;
  requestTimeoutMs: number;
}

/** A parsed answer: JSON, or the bytes of an image (a mini-program code). @internal */
export interface WechatAnswer {
  json?: any;
  image?: Buffer;
}

/**
 * One HTTP call to a WeChat server API over Node's global `fetch`; answers the
 * parsed JSON, or the bytes of an image answer. A network failure, a timeout
 * or a body that is neither leaves as a `WechatApiError` with errcode -1 whose
 * text never holds the URL (its query can hold a secret).
 * @internal
 */
export async function callWechat(
  config: WechatTransportConfig,
  api: string,
  request: { method: 'GET' | 'POST'; query?: Record<string, string>; json?: unknown },
): Promise<WechatAnswer> {
  const url = new URL(`${config.baseUrl}/${api}`);
  for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
  let response: Response;
  let bytes: Buffer;
  try {
    response = await fetch(url, {
      method: request.method,
      headers: request.json === undefined ? {} : { 'content-type': 'application/json' },
      body: request.json === undefined ? undefined : JSON.stringify(request.json),
      signal: AbortSignal.timeout(config.requestTimeoutMs),
    });
    bytes = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    // The error text may hold the URL, whose query can hold a secret: keep only its kind.
    const timedOut = (error as Error)?.name === 'TimeoutError';
    throw new WechatApiError(
      api,
      -1,
      timedOut ? `no answer within ${config.requestTimeoutMs / 1000} s` : 'unreachable',
    );
  }
  const contentType = response.headers.get('content-type') ?? '';
  if (isImage(bytes) && !/json/i.test(contentType)) return { image: bytes };
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new WechatApiError(
      api,
      -1,
      `HTTP ${response.status} with a ${contentType || 'untyped'} body that is neither JSON nor an image`,
    );
  }
  return { json };
}

/** The error of an answer without the fields the call expects: WeChat's errcode and errmsg, or -1. @internal */
export function wechatApiErrorOf(api: string, json: any): WechatApiError {
  const errcode = typeof json?.errcode === 'number' ? json.errcode : -1;
  const errmsg = typeof json?.errmsg === 'string' ? json.errmsg : 'an answer without the expected fields';
  return new WechatApiError(api, errcode === 0 ? -1 : errcode, errmsg);
}

/** Whether the bytes start like a PNG or a JPEG. */
function isImage(bytes: Buffer): boolean {
  return imageTypeOf(bytes) !== undefined;
}

/** `image/png` or `image/jpeg` from the first bytes, else undefined. @internal */
export function imageTypeOf(bytes: Buffer): 'image/png' | 'image/jpeg' | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return undefined;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
