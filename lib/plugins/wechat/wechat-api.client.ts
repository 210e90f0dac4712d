import { HttpException, Inject, Injectable, Logger } from '@nestjs/common';
import { QR_LOGIN_WECHAT_CONFIG } from './wechat.constants';
import type { ResolvedQrLoginWechatConfig } from './wechat.config';
import { WechatApiError, wechatErrors } from './wechat.errors';
import { WechatAccessTokenCache } from './wechat-access-token.cache';
import { callWechat, wechatApiErrorOf } from './wechat-api.transport';
import type {
  WechatConnection,
  WechatMiniProgramConnection,
  WechatOfficialAccountConnection,
} from './interfaces/wechat-options.interface';

/** errcodes of exhausted quotas: the app's daily quota (45009) and per-minute limits (45011). */
const RATE_LIMIT_ERRCODES = new Set([45009, 45011]);
/** errcodes of `jscode2session` for a bad `wx.login` code: invalid, used already. */
const LOGIN_CODE_ERRCODES = new Set([40029, 40163]);
/** errcodes of the token endpoints that a wrong app id / secret / IP whitelist causes. */
const CREDENTIAL_ERRCODES = new Set([40002, 40013, 40125, 40164, 41002, 41004, 89503]);

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
 * Access tokens come from `WechatAccessTokenCache` (cached per app id, and
 * fetched again once when WeChat says a token went stale). Errors leave as
 * `QrLoginWechatException`s whose messages carry WeChat's errcode and errmsg
 * but never a secret or token.
 */
@Injectable()
export class WechatApiClient {
  private readonly logger = new Logger('QrLoginWechat');
  private readonly tokens: WechatAccessTokenCache;

  constructor(@Inject(QR_LOGIN_WECHAT_CONFIG) private readonly config: ResolvedQrLoginWechatConfig) {
    this.tokens = new WechatAccessTokenCache(config, this.logger);
  }

  /** Measures token lifetimes on the kernel's clock (its `clock` option), as every other WeChat time window. */
  useClock(clock: { now(): number }): void {
    this.tokens.useClock(clock);
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
      this.tokens.withToken(connection, async (token) => {
        const answer = await callWechat(this.config, api, {
          method: 'POST',
          query: { access_token: token },
          json: body,
        });
        if (answer.image) return answer.image;
        throw wechatApiErrorOf(api, answer.json);
      }),
    );
  }

  /** `code2Session`: who the `wx.login` code belongs to. Each code works once. */
  async code2Session(connection: WechatMiniProgramConnection, code: string): Promise<WechatSession> {
    const api = 'sns/jscode2session';
    return this.edge(connection, api, async () => {
      const answer = await callWechat(this.config, api, {
        method: 'GET',
        query: {
          appid: connection.appId,
          secret: connection.appSecret,
          js_code: code,
          grant_type: 'authorization_code',
        },
      });
      const json = answer.json;
      if (typeof json?.openid !== 'string' || json.openid === '') throw wechatApiErrorOf(api, json);
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
      this.tokens.withToken(connection, async (token) => {
        const answer = await callWechat(this.config, api, {
          method: 'POST',
          query: { access_token: token },
          json: {
            expire_seconds: expireSeconds,
            action_name: 'QR_STR_SCENE',
            action_info: { scene: { scene_str: scene } },
          },
        });
        const json = answer.json;
        if (typeof json?.ticket !== 'string' || json.ticket === '') throw wechatApiErrorOf(api, json);
        return {
          ticket: json.ticket,
          url: typeof json.url === 'string' ? json.url : '',
          expireSeconds: typeof json.expire_seconds === 'number' ? json.expire_seconds : expireSeconds,
        };
      }),
    );
  }

  /** The current access token of the connection's app (cached; see `WechatAccessTokenCache`). */
  accessToken(connection: WechatConnection): Promise<string> {
    return this.tokens.get(connection);
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
    const secrets = [connection.appSecret, this.tokens.cachedValue(connection.appId)];
    if (connection.type === 'WECHAT_OFFICIAL_ACCOUNT') secrets.push(connection.token, connection.encodingAESKey);
    for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
    return out;
  }
}
