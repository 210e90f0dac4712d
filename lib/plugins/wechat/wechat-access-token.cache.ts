import type { Logger } from '@nestjs/common';
import type { ResolvedQrLoginWechatConfig } from './wechat.config';
import { WechatApiError } from './wechat.errors';
import { callWechat, wechatApiErrorOf } from './wechat-api.transport';
import type { WechatConnection } from './interfaces/wechat-options.interface';

/** errcodes that mean "this access token is no longer good": invalid credential, expired, invalid token. */
const STALE_TOKEN_ERRCODES = new Set([40001, 40014, 42001]);

interface CachedToken {
  value: string;
  /** When to fetch a new one, ms since the epoch (before WeChat's expiry). */
  refreshAt: number;
}

/**
 * The access tokens of the configured apps, per app id: refreshed before
 * they expire (`accessTokenRefreshMargin`, at most half a token's life
 * ahead), fetched once for all concurrent callers, and fetched again (once)
 * when WeChat says a token went stale. With the `getAccessToken` option, the
 * app's function supplies every token instead and nothing is cached here.
 * @internal
 */
export class WechatAccessTokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<string>>();
  /** What token lifetimes are measured on: the wall clock until the kernel's clock is handed over at start-up. */
  private clock: { now(): number } = Date;

  constructor(
    private readonly config: ResolvedQrLoginWechatConfig,
    private readonly logger: Logger,
  ) {}

  /** Measures token lifetimes on the kernel's clock (its `clock` option), as every other WeChat time window. */
  useClock(clock: { now(): number }): void {
    this.clock = clock;
  }

  /** The token cached for an app id, fresh or not (to keep it out of error messages). */
  cachedValue(appId: string): string | undefined {
    return this.tokens.get(appId)?.value;
  }

  /** The current access token of the connection's app. */
  get(connection: WechatConnection): Promise<string> {
    if (this.config.getAccessToken) return this.suppliedToken(connection, false);
    const cached = this.tokens.get(connection.appId);
    if (cached && this.clock.now() < cached.refreshAt) return Promise.resolve(cached.value);
    return this.sharedFetch(connection, undefined);
  }

  /**
   * Runs `call` with the access token; when WeChat calls the token stale (it
   * was replaced elsewhere, or expired early), gets a new one and runs it once more.
   */
  async withToken<T>(connection: WechatConnection, call: (token: string) => Promise<T>): Promise<T> {
    const token = await this.get(connection);
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
      ? await callWechat(this.config, api, { method: 'POST', json: { ...credentials, force_refresh: forceRefresh } })
      : await callWechat(this.config, api, { method: 'GET', query: credentials });
    const json = answer.json;
    if (typeof json?.access_token !== 'string' || json.access_token === '') throw wechatApiErrorOf(api, json);
    // WeChat's tokens live 7200 s; that is assumed only when an answer leaves expires_in out.
    const lifetimeMs = (typeof json.expires_in === 'number' && json.expires_in >= 0 ? json.expires_in : 7200) * 1000;
    // Refresh ahead of expiry, but never sooner than half the lifetime, so a short-lived token is still reused.
    const aheadMs = Math.min(this.config.accessTokenRefreshMarginMs, lifetimeMs / 2);
    return { value: json.access_token, refreshAt: this.clock.now() + lifetimeMs - aheadMs };
  }
}
