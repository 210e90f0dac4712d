import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PNG } from 'pngjs';
import { encodeQR } from 'qr';

/**
 * A stand-in for WeChat's servers on 127.0.0.1, speaking WeChat's request and
 * answer formats and errcodes for the endpoints the module calls, and playing
 * WeChat's side of the official-account webhook (signed, optionally encrypted
 * pushes). Its crypto is written here independently of the library's, so a
 * shared mistake cannot make both sides agree.
 */

/** Endpoints, as counted in `calls`. */
export type FakeEndpoint =
  | 'cgi-bin/token'
  | 'cgi-bin/stable_token'
  | 'wxa/getwxacodeunlimit'
  | 'sns/jscode2session'
  | 'cgi-bin/qrcode/create'
  | 'logo.png';

interface IssuedToken {
  appId: string;
  expiresAt: number;
  revoked: boolean;
}

const ERRMSG: Record<number, string> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40013: 'invalid appid',
  40029: 'invalid code',
  40125: 'invalid appsecret',
  40163: 'code been used',
  40169: 'invalid length for scene, or the data is not json',
  41001: 'access_token missing',
  41030: 'invalid page',
  42001: 'access_token expired',
  45009: 'reach max api daily quota limit',
};

export class FakeWechatServer {
  /** Requests per endpoint. */
  readonly calls: Record<string, number> = {};
  /** `expires_in` of the tokens it issues, in seconds. */
  tokenTtl = 7200;
  /** Fields that replace those of `cgi-bin/token` answers (undefined leaves one out), for odd answers. */
  tokenFields: Record<string, unknown> = {};
  /** Bodies of `getwxacodeunlimit` requests, with the app id their token belongs to. */
  readonly wxacodeRequests: { appId: string; body: any }[] = [];
  /** Bodies of `qrcode/create` requests, with the app id, and the ticket issued. */
  readonly qrcodeRequests: { appId: string; body: any; ticket: string; url: string }[] = [];
  /** Pages that exist in the released mini program (for `check_path`). */
  readonly pages = new Set<string>(['pages/qr-login/index']);
  /** Force refreshes asked of `stable_token`. */
  forcedRefreshes = 0;
  /** An image `getwxacodeunlimit` answers instead of the PNG it draws (WeChat may answer a JPEG). */
  wxacodeImage?: { type: string; bytes: Buffer };
  /** Whether `qrcode/create` answers carry WeChat's own link to the code (`url`). */
  qrcodeLinks = true;
  url = '';

  private server?: Server;
  private readonly apps = new Map<string, string>();
  private readonly tokens = new Map<string, IssuedToken>();
  /** stable_token hands out the same token per app until it expires or is forced. */
  private readonly stable = new Map<string, string>();
  private readonly loginCodes = new Map<string, { appId: string; openid: string; unionid?: string; used: boolean }>();
  private readonly failures = new Map<string, number[]>();

  /** Registers an app WeChat knows. */
  addApp(appId: string, secret: string): this {
    this.apps.set(appId, secret);
    return this;
  }

  /** A `wx.login()` code of `appId` that `jscode2session` maps to the openid (once). */
  addLoginCode(code: string, appId: string, openid: string, unionid?: string): this {
    this.loginCodes.set(code, { appId, openid, unionid, used: false });
    return this;
  }

  /** The next call of `endpoint` answers this errcode instead of working. */
  failNext(endpoint: FakeEndpoint, errcode: number): this {
    const queue = this.failures.get(endpoint) ?? [];
    queue.push(errcode);
    this.failures.set(endpoint, queue);
    return this;
  }

  /** Makes every token issued so far invalid (as when another server fetched a new one). */
  revokeTokens(): void {
    for (const token of this.tokens.values()) token.revoked = true;
    this.stable.clear();
  }

  count(endpoint: FakeEndpoint): number {
    return this.calls[endpoint] ?? 0;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error) => {
        response.statusCode = 500;
        response.end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The app id a live token belongs to, or the errcode WeChat would answer. */
  private appOfToken(token: string | null): { appId: string } | { errcode: number } {
    if (!token) return { errcode: 41001 };
    const issued = this.tokens.get(token);
    if (!issued || issued.revoked) return { errcode: 40001 };
    if (Date.now() >= issued.expiresAt) return { errcode: 42001 };
    return { appId: issued.appId };
  }

  private issueToken(appId: string): string {
    const token = `${appId}.${randomBytes(24).toString('hex')}`;
    this.tokens.set(token, { appId, expiresAt: Date.now() + this.tokenTtl * 1000, revoked: false });
    return token;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const endpoint = url.pathname.slice(1);
    this.calls[endpoint] = (this.calls[endpoint] ?? 0) + 1;
    const raw = await readAll(request);
    const json = () => {
      try {
        return JSON.parse(raw.toString('utf8') || '{}');
      } catch {
        return undefined;
      }
    };
    const failure = this.failures.get(endpoint)?.shift();
    if (failure !== undefined) return sendError(response, failure);

    switch (endpoint) {
      case 'cgi-bin/token': {
        const appId = url.searchParams.get('appid') ?? '';
        if (url.searchParams.get('grant_type') !== 'client_credential') return sendError(response, 40002);
        const problem = this.checkCredentials(appId, url.searchParams.get('secret'));
        if (problem) return sendError(response, problem);
        const answer = { access_token: this.issueToken(appId), expires_in: this.tokenTtl, ...this.tokenFields };
        return sendJson(response, answer);
      }
      case 'cgi-bin/stable_token': {
        const body = json();
        if (request.method !== 'POST' || !body || body.grant_type !== 'client_credential')
          return sendError(response, 40002);
        const problem = this.checkCredentials(body.appid, body.secret);
        if (problem) return sendError(response, problem);
        let token = this.stable.get(body.appid);
        const live = token !== undefined && 'appId' in this.appOfToken(token);
        if (body.force_refresh === true) {
          this.forcedRefreshes++;
          if (token) this.tokens.get(token)!.revoked = true;
        }
        if (!live || body.force_refresh === true) {
          token = this.issueToken(body.appid);
          this.stable.set(body.appid, token);
        }
        const left = Math.max(0, Math.round((this.tokens.get(token!)!.expiresAt - Date.now()) / 1000));
        return sendJson(response, { access_token: token, expires_in: left });
      }
      case 'wxa/getwxacodeunlimit': {
        const owner = this.appOfToken(url.searchParams.get('access_token'));
        if ('errcode' in owner) return sendError(response, owner.errcode);
        const body = json();
        if (
          !body ||
          typeof body.scene !== 'string' ||
          body.scene.length > 32 ||
          !/^[A-Za-z0-9!#$&'()*+,/:;=?@\-._~]+$/.test(body.scene)
        ) {
          return sendError(response, 40169);
        }
        if (body.page !== undefined && body.check_path !== false && !this.pages.has(body.page))
          return sendError(response, 41030);
        this.wxacodeRequests.push({ appId: owner.appId, body });
        const image = this.wxacodeImage ?? {
          type: 'image/png',
          bytes: qrPng(
            `https://mp.weixin.qq.com/a/${owner.appId}?scene=${body.scene}`,
            typeof body.width === 'number' ? body.width : 430,
          ),
        };
        response.writeHead(200, { 'content-type': image.type, 'content-length': image.bytes.length });
        return void response.end(image.bytes);
      }
      case 'sns/jscode2session': {
        const appId = url.searchParams.get('appid') ?? '';
        const problem = this.checkCredentials(appId, url.searchParams.get('secret'));
        if (problem) return sendError(response, problem);
        const login = this.loginCodes.get(url.searchParams.get('js_code') ?? '');
        if (!login || login.appId !== appId || url.searchParams.get('grant_type') !== 'authorization_code')
          return sendError(response, 40029);
        if (login.used) return sendError(response, 40163);
        login.used = true;
        return sendJson(response, {
          openid: login.openid,
          session_key: randomBytes(16).toString('base64'),
          ...(login.unionid ? { unionid: login.unionid } : {}),
        });
      }
      case 'cgi-bin/qrcode/create': {
        const owner = this.appOfToken(url.searchParams.get('access_token'));
        if ('errcode' in owner) return sendError(response, owner.errcode);
        const body = json();
        const scene = body?.action_info?.scene?.scene_str;
        if (
          body?.action_name !== 'QR_STR_SCENE' ||
          typeof scene !== 'string' ||
          scene.length < 1 ||
          scene.length > 64
        ) {
          return sendError(response, 40097);
        }
        // Real tickets are base64 with "+", "/" and "=", which a URL must escape.
        const ticket = `gQ${randomBytes(30).toString('base64')}+/=`;
        const qrUrl = `http://weixin.qq.com/q/${randomBytes(12).toString('base64url')}`;
        this.qrcodeRequests.push({ appId: owner.appId, body, ticket, url: qrUrl });
        return sendJson(response, {
          ticket,
          expire_seconds: body.expire_seconds ?? 60,
          ...(this.qrcodeLinks ? { url: qrUrl } : {}),
        });
      }
      case 'logo.png': {
        const logo = solidPng(64, 64, [230, 20, 20]);
        response.writeHead(200, { 'content-type': 'image/png', 'content-length': logo.length });
        return void response.end(logo);
      }
      default:
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('not found');
    }
  }

  private checkCredentials(appId: unknown, secret: unknown): number | undefined {
    if (typeof appId !== 'string' || !this.apps.has(appId)) return 40013;
    if (this.apps.get(appId) !== secret) return 40125;
    return undefined;
  }

  /**
   * Sends a push to the webhook as WeChat does: XML body, `signature`,
   * `timestamp`, `nonce` and `openid` in the query; with `encrypt`, the safe
   * mode (`encrypt_type=aes`, `msg_signature`, the message AES-encrypted).
   * `msgType: 'text'` with `content` is a user's text message. The other
   * fields play an attacker: a chosen timestamp / nonce (a replayed URL), a
   * plaintext body under a valid plain signature, bad padding.
   */
  async push(
    webhookUrl: string,
    push: {
      token: string;
      openid: string;
      event?: string;
      eventKey?: string;
      msgType?: string;
      content?: string;
      toUserName?: string;
      encrypt?: { encodingAESKey: string; appId: string };
      tamper?: 'signature' | 'msg_signature' | 'body';
      timestamp?: string;
      nonce?: string;
      /** Pads the encrypted message with bytes that do not all equal the pad length. */
      badPadding?: boolean;
      /** Leaves `encrypt_type` out of the query of an encrypted push. */
      omitEncryptType?: boolean;
    },
  ): Promise<{ status: number; contentType: string | null; body: string; query: string; sentBody: string }> {
    const timestamp = push.timestamp ?? String(Math.floor(Date.now() / 1000));
    const nonce = push.nonce ?? String(randomBytes(4).readUInt32BE());
    const fields: [string, string][] = [
      ['ToUserName', push.toUserName ?? 'gh_fake0account'],
      ['FromUserName', push.openid],
      ['CreateTime', timestamp],
      ['MsgType', push.msgType ?? 'event'],
    ];
    if (push.event !== undefined) fields.push(['Event', push.event]);
    if (push.content !== undefined)
      fields.push(['Content', push.content], ['MsgId', String(randomBytes(6).readUIntBE(0, 6))]);
    if (push.eventKey !== undefined) fields.push(['EventKey', push.eventKey], ['Ticket', 'gQFake']);
    const message = `<xml>${fields.map(([k, v]) => (k === 'CreateTime' ? `<${k}>${v}</${k}>` : `<${k}><![CDATA[${v}]]></${k}>`)).join('')}</xml>`;
    const query = new URLSearchParams({ timestamp, nonce, openid: push.openid });
    query.set('signature', sha1Sorted(push.token, timestamp, nonce));
    let body = message;
    if (push.encrypt) {
      const encrypted = aesEncrypt(message, push.encrypt.encodingAESKey, push.encrypt.appId, push.badPadding);
      body = `<xml><ToUserName><![CDATA[${push.toUserName ?? 'gh_fake0account'}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`;
      if (!push.omitEncryptType) query.set('encrypt_type', 'aes');
      query.set('msg_signature', sha1Sorted(push.token, timestamp, nonce, encrypted));
    }
    if (push.tamper === 'signature') query.set('signature', sha1Sorted('not-the-token', timestamp, nonce));
    if (push.tamper === 'msg_signature') query.set('msg_signature', sha1Sorted(push.token, timestamp, nonce, 'other'));
    if (push.tamper === 'body') body = body.replace(push.openid, `${push.openid}-forged`);
    return this.send(webhookUrl, query.toString(), body);
  }

  /** Posts a body to the webhook with exactly this query (e.g. one copied from a log). */
  async send(webhookUrl: string, query: string, body: string) {
    const response = await fetch(`${webhookUrl}?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body,
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: await response.text(),
      query,
      sentBody: body,
    };
  }

  /**
   * Reads a passive reply as WeChat does: checks the reply's signature in
   * safe mode and decrypts it; answers the reply's fields, or null for "success".
   */
  readReply(
    body: string,
    token: string,
    aes?: { encodingAESKey: string; appId: string },
  ): Record<string, string> | null {
    if (body === 'success' || body === '') return null;
    let xml = body;
    if (aes) {
      const field = (name: string) =>
        new RegExp(`<${name}>(?:<!\\[CDATA\\[)?(.*?)(?:\\]\\]>)?</${name}>`, 's').exec(body)?.[1] ?? '';
      const encrypted = field('Encrypt');
      if (sha1Sorted(token, field('TimeStamp'), field('Nonce'), encrypted) !== field('MsgSignature'))
        throw new Error('bad reply signature');
      xml = aesDecrypt(encrypted, aes.encodingAESKey, aes.appId);
    }
    const fields: Record<string, string> = {};
    xml = xml
      .trim()
      .replace(/^<xml>/, '')
      .replace(/<\/xml>$/, '');
    for (const match of xml.matchAll(/<(\w+)>(?:<!\[CDATA\[)?([\s\S]*?)(?:\]\]>)?<\/\1>/g))
      if (match[1] !== 'xml') fields[match[1]] = match[2];
    return fields;
  }

  /** WeChat's check of the server URL (GET with `echostr`). */
  async verifyServerUrl(webhookUrl: string, token: string, echostr: string): Promise<{ status: number; body: string }> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = '8131';
    const query = new URLSearchParams({ signature: sha1Sorted(token, timestamp, nonce), timestamp, nonce, echostr });
    const response = await fetch(`${webhookUrl}?${query}`);
    return { status: response.status, body: await response.text() };
  }
}

function sha1Sorted(...parts: string[]): string {
  return createHash('sha1').update(parts.sort().join('')).digest('hex');
}

/** WeChat's safe-mode encryption, written from its specification. */
function aesEncrypt(message: string, encodingAESKey: string, appId: string, badPadding = false): string {
  const key = Buffer.from(`${encodingAESKey}=`, 'base64');
  const msg = Buffer.from(message);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(msg.length, 0);
  const plain = Buffer.concat([randomBytes(16), length, msg, Buffer.from(appId)]);
  let padLength = 32 - (plain.length % 32);
  // Bad padding needs at least two pad bytes to differ; one more block guarantees them.
  if (badPadding && padLength < 2) padLength += 32;
  const padding = Buffer.alloc(padLength, padLength);
  if (badPadding) padding[0] = padLength ^ 0x01;
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, padding])), cipher.final()]).toString('base64');
}

/** The reverse, for reading the module's encrypted replies. */
function aesDecrypt(encrypted: string, encodingAESKey: string, appId: string): string {
  const key = Buffer.from(`${encodingAESKey}=`, 'base64');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
  const plain = padded.subarray(0, padded.length - padded[padded.length - 1]);
  const length = plain.readUInt32BE(16);
  if (plain.subarray(20 + length).toString() !== appId) throw new Error('reply for another app id');
  return plain.subarray(20, 20 + length).toString();
}

function sendJson(response: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  // WeChat answers JSON as text/plain on several endpoints; the client must not rely on the type.
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function sendError(response: ServerResponse, errcode: number): void {
  const rid = randomBytes(4).toString('hex');
  const text = JSON.stringify({ errcode, errmsg: `${ERRMSG[errcode] ?? 'invalid args'} rid: ${rid}` });
  response.writeHead(200, {
    'content-type': 'application/json; encoding=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function readAll(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** A QR code as a PNG about `width` pixels wide (whole pixels a module), as WeChat draws its codes. */
function qrPng(text: string, width: number): Buffer {
  const modules = encodeQR(text, 'raw', { border: 2 });
  const scale = Math.max(1, Math.floor(width / modules.length));
  const side = modules.length * scale;
  const png = new PNG({ width: side, height: side });
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const shade = modules[(y / scale) | 0][(x / scale) | 0] ? 0 : 255;
      png.data.fill(shade, (y * side + x) * 4, (y * side + x) * 4 + 3);
      png.data[(y * side + x) * 4 + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/** A PNG of one colour, e.g. a test logo. */
export function solidPng(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    png.data[i * 4] = r;
    png.data[i * 4 + 1] = g;
    png.data[i * 4 + 2] = b;
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}
