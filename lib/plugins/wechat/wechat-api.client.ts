import { HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import { QR_LOGIN_WECHAT_CONFIG } from './wechat.constants';
import type { ResolvedQrLoginWechatConfig } from './wechat.config';
import { WechatApiError, wechatErrors } from './wechat.errors';
import type {
  WechatConnection,
  WechatMiniProgramConnection,
  WechatOfficialAccountConnection,
} from './interfaces/wechat-options.interface';

/** errcodes that mean "this access token is no longer good": invalid credential, expired, invalid token. */
const STALE_TOKEN_ERRCODES = new Set([40001, 40014, 42001]);
/** errcodes of exhausted quotas: the app's daily quota (45009) and per-minute limits (45011). */
const RATE_LIMIT_ERRCODES = new Set([45009, 45011]);
/** errcodes of `jscode2session` for a bad `wx.login` code: invalid, used already. */
const LOGIN_CODE_ERRCODES = new Set([40029, 40163]);
/** errcodes of the token endpoints that a wrong app id / secret / IP whitelist causes. */
const CREDENTIAL_ERRCODES = new Set([40002, 40013, 40125, 40164, 41002, 41004, 89503]);

interface CachedToken {
  value: string;
  /** When to fetch a new one, ms since the epoch (before WeChat's expiry). */
  refreshAt: number;
}

/** A WeChat user as `jscode2session` names them; the session key is deliberately not kept. */
export interface WechatSession {
  openid: string;
  unionid?: string;
}

/** A temporary parametric code of an official account. */
export interface WechatTemporaryQrCode {
  ticket: string;
  /** The text inside the code (a `weixin.qq.com/q/…` URL). */
  url: string;
  expireSeconds: number;
}

/**
 * The few WeChat server APIs the module needs, over Node's global `fetch`.
 * Access tokens are cached per app id, refreshed before they expire, fetched
 * once for all concurrent callers, and fetched again (once) when WeChat says
 * a token went stale. Errors leave as `QrLoginWechatException`s whose
 * messages carry WeChat's errcode and errmsg but never a secret or token.
 */
@Injectable()
export class WechatApiClient {
  private readonly logger = new Logger('QrLoginWechat');
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<string>>();
  /** What token lifetimes are measured on: the wall clock until the kernel's clock is handed over at start-up. */
  private clock: { now(): number } = Date;

  constructor(@Inject(QR_LOGIN_WECHAT_CONFIG) private readonly config: ResolvedQrLoginWechatConfig) {}

  /** Measures token lifetimes on the kernel's clock (its `clock` option), as every other WeChat time window. */
  useClock(clock: { now(): number }): void {
    this.clock = clock;
  }

  /** `wxacode.getUnlimited`: the image bytes (PNG or JPEG, as WeChat sends them) of a mini-program code. */
  async getUnlimitedWxacode(connection: WechatMiniProgramConnection, scene: string): Promise<Buffer> {
    const api = 'wxa/getwxacodeunlimit';
    const body: Record<string, unknown> = {
      scene,
      check_path: connection.checkPath ?? true,
      env_version: connection.envVersion ?? 'release',
      width: connection.width ?? 430,
    };
    if (connection.page !== undefined) body.page = connection.page;
    return this.edge(connection, api, () =>
      this.withToken(connection, async (token) => {
        const answer = await this.call(api, { method: 'POST', query: { access_token: token }, json: body });
        if (answer.image) return answer.image;
        throw this.errorOf(api, answer.json);
      }),
    );
  }

  /** `code2Session`: who the `wx.login` code belongs to. Each code works once. */
  async code2Session(connection: WechatMiniProgramConnection, code: string): Promise<WechatSession> {
    const api = 'sns/jscode2session';
    return this.edge(connection, api, async () => {
      const answer = await this.call(api, {
        method: 'GET',
        query: {
          appid: connection.appId,
          secret: connection.appSecret,
          js_code: code,
          grant_type: 'authorization_code',
        },
      });
      const json = answer.json;
      if (typeof json?.openid !== 'string' || json.openid === '') throw this.errorOf(api, json);
      return {
        openid: json.openid,
        ...(typeof json.unionid === 'string' && json.unionid ? { unionid: json.unionid } : {}),
      };
    });
  }

  /** `qrcode/create` with `QR_STR_SCENE`: a temporary code whose SCAN / subscribe pushes carry `scene`. */
  async createTemporaryQrCode(
    connection: WechatOfficialAccountConnection,
    scene: string,
    expireSeconds: number,
  ): Promise<WechatTemporaryQrCode> {
    const api = 'cgi-bin/qrcode/create';
    return this.edge(connection, api, () =>
      this.withToken(connection, async (token) => {
        const answer = await this.call(api, {
          method: 'POST',
          query: { access_token: token },
          json: {
            expire_seconds: expireSeconds,
            action_name: 'QR_STR_SCENE',
            action_info: { scene: { scene_str: scene } },
          },
        });
        const json = answer.json;
        if (typeof json?.ticket !== 'string' || json.ticket === '') throw this.errorOf(api, json);
        return {
          ticket: json.ticket,
          url: typeof json.url === 'string' ? json.url : '',
          expireSeconds: typeof json.expire_seconds === 'number' ? json.expire_seconds : expireSeconds,
        };
      }),
    );
  }

  /** The current access token of the connection's app (cached; see the class comment). */
  accessToken(connection: WechatConnection): Promise<string> {
    if (this.config.getAccessToken) return this.suppliedToken(connection, false);
    const cached = this.tokens.get(connection.appId);
    if (cached && this.clock.now() < cached.refreshAt) return Promise.resolve(cached.value);
    return this.sharedFetch(connection, undefined);
  }

  /**
   * Runs `call` with the access token; when WeChat calls the token stale (it
   * was replaced elsewhere, or expired early), gets a new one and runs it once more.
   */
  private async withToken<T>(connection: WechatConnection, call: (token: string) => Promise<T>): Promise<T> {
    const token = await this.accessToken(connection);
    try {
      return await call(token);
    } catch (error) {
      if (!(error instanceof WechatApiError) || !STALE_TOKEN_ERRCODES.has(error.errcode)) throw error;
      this.logger.warn(
        `WeChat called the access token of app ${connection.appId} stale (errcode ${error.errcode}); fetching a new one.`,
      );
      return call(await this.tokenAfterRejection(connection, token));
    }
  }

  private tokenAfterRejection(connection: WechatConnection, rejected: string): Promise<string> {
    if (this.config.getAccessToken) return this.suppliedToken(connection, true);
    const cached = this.tokens.get(connection.appId);
    // Another caller may have replaced the token already; then that one is used.
    if (cached && cached.value !== rejected && this.clock.now() < cached.refreshAt)
      return Promise.resolve(cached.value);
    if (cached?.value === rejected) this.tokens.delete(connection.appId);
    return this.sharedFetch(connection, rejected);
  }

  private async suppliedToken(connection: WechatConnection, forceRefresh: boolean): Promise<string> {
    const token = await this.config.getAccessToken!(connection, { forceRefresh });
    if (typeof token !== 'string' || token === '') {
      throw new Error(
        `The getAccessToken option returned no token for connection "${connection.id}"; it must resolve to the access token string.`,
      );
    }
    return token;
  }

  /** One fetch per app id at a time; every concurrent caller awaits the same one. */
  private sharedFetch(connection: WechatConnection, rejected: string | undefined): Promise<string> {
    const key = connection.appId;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.fetchToken(connection, rejected).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async fetchToken(connection: WechatConnection, rejected: string | undefined): Promise<string> {
    const stable = this.config.accessTokenEndpoint === 'stable_token';
    let token = await this.requestToken(connection, false);
    // stable_token hands out the same token until it expires; only a forced
    // refresh (limited by WeChat, so used only here) replaces one it refused.
    if (stable && rejected !== undefined && token.value === rejected) token = await this.requestToken(connection, true);
    this.tokens.set(connection.appId, token);
    return token.value;
  }

  private async requestToken(connection: WechatConnection, forceRefresh: boolean): Promise<CachedToken> {
    const stable = this.config.accessTokenEndpoint === 'stable_token';
    const api = stable ? 'cgi-bin/stable_token' : 'cgi-bin/token';
    const credentials = { grant_type: 'client_credential', appid: connection.appId, secret: connection.appSecret };
    const answer = stable
      ? await this.call(api, { method: 'POST', json: { ...credentials, force_refresh: forceRefresh } })
      : await this.call(api, { method: 'GET', query: credentials });
    const json = answer.json;
    if (typeof json?.access_token !== 'string' || json.access_token === '') throw this.errorOf(api, json);
    // WeChat's tokens live 7200 s; that is assumed only when an answer leaves expires_in out.
    const lifetimeMs = (typeof json.expires_in === 'number' && json.expires_in >= 0 ? json.expires_in : 7200) * 1000;
    // Refresh ahead of expiry, but never sooner than half the lifetime, so a short-lived token is still reused.
    const aheadMs = Math.min(this.config.accessTokenRefreshMarginMs, lifetimeMs / 2);
    return { value: json.access_token, refreshAt: this.clock.now() + lifetimeMs - aheadMs };
  }

  /** One HTTP call; answers the parsed JSON, or the bytes of an image answer. */
  private async call(
    api: string,
    request: { method: 'GET' | 'POST'; query?: Record<string, string>; json?: unknown },
  ): Promise<{ json?: any; image?: Buffer }> {
    const url = new URL(`${this.config.baseUrl}/${api}`);
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
    let response: Response;
    let bytes: Buffer;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: request.json === undefined ? {} : { 'content-type': 'application/json' },
        body: request.json === undefined ? undefined : JSON.stringify(request.json),
        signal: AbortSignal.timeout(this.config.requestTimeoutMs),
      });
      bytes = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      // The error text may hold the URL, whose query can hold a secret: keep only its kind.
      const timedOut = (error as Error)?.name === 'TimeoutError';
      throw new WechatApiError(
        api,
        -1,
        timedOut ? `no answer within ${this.config.requestTimeoutMs / 1000} s` : 'unreachable',
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

  private errorOf(api: string, json: any): WechatApiError {
    const errcode = typeof json?.errcode === 'number' ? json.errcode : -1;
    const errmsg = typeof json?.errmsg === 'string' ? json.errmsg : 'an answer without the expected fields';
    return new WechatApiError(api, errcode === 0 ? -1 : errcode, errmsg);
  }

  /** Turns what went wrong into the HTTP error the route answers, with a hint where one helps. */
  private async edge<T>(connection: WechatConnection, api: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof HttpException || !(error instanceof WechatApiError)) throw error;
      const safe = new WechatApiError(error.api, error.errcode, this.redact(connection, error.errmsg));
      this.logger.warn(`${safe.message} (connection "${connection.id}")`);
      if (RATE_LIMIT_ERRCODES.has(safe.errcode)) throw wechatErrors.rateLimited(safe.api, safe.errcode);
      if (safe.errcode === -1) throw wechatErrors.unavailable(safe.api, safe.errmsg);
      if (api === 'sns/jscode2session' && LOGIN_CODE_ERRCODES.has(safe.errcode)) throw wechatErrors.loginCodeInvalid();
      if (CREDENTIAL_ERRCODES.has(safe.errcode)) {
        throw wechatErrors.apiError(
          safe,
          `Check "appId" and "appSecret" of connection "${connection.id}", and that this server's IP address is on the app's IP whitelist`,
        );
      }
      if (safe.errcode === 41030) {
        throw wechatErrors.apiError(
          safe,
          `The page of connection "${connection.id}" must exist in the mini program version it opens; set "checkPath: false" or "envVersion" while it is unreleased`,
        );
      }
      throw wechatErrors.apiError(safe);
    }
  }

  private redact(connection: WechatConnection, text: string): string {
    let out = text;
    const secrets = [connection.appSecret, this.tokens.get(connection.appId)?.value];
    if (connection.type === 'WECHAT_OFFICIAL_ACCOUNT') secrets.push(connection.token, connection.encodingAESKey);
    for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
    return out;
  }
}

/** Whether the bytes start like a PNG or a JPEG. */
function isImage(bytes: Buffer): boolean {
  return imageTypeOf(bytes) !== undefined;
}

/** `image/png` or `image/jpeg` from the first bytes, else undefined. */
export function imageTypeOf(bytes: Buffer): 'image/png' | 'image/jpeg' | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return undefined;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
