/*
 * The module's HTTP routes as the browser calls them: JSON in and out, the
 * creator cookie on every request, the creator secret as a header where the
 * cookie may not travel, and each failure turned into an error with the
 * server's stable code.
 */
import type { QrLoginCode, QrLoginOptions } from './qr-login.types.mjs';
import { qrLoginDpopKey, type QrLoginDpopKey } from './qr-login.dpop.mjs';

const SECRET_HEADER = 'x-qr-login-secret';

/** A failed request, carrying what `onError` reports. @internal */
export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status of the answer; 0 when the server could not be reached. */
    readonly status: number,
    /** From the answer's `Retry-After`, in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** Worth trying again: unreachable, throttled or a server-side failure. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** @internal */
export function isAbort(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

function trimSlashes(text: string): string {
  return text.replace(/^\/+|\/+$/g, '');
}

/** A new code as the client keeps it (before `expiresAt` is set), from the answer of `POST /qrcodes`. @internal */
export type CodeFields = Omit<QrLoginCode, 'expiresAt'>;

/**
 * Reads the answer of `POST /qrcodes`: the code's fields and the creator
 * secret, or undefined when the answer is not a code (a wrong `baseUrl`).
 * @internal
 */
export function readCreated(created: Record<string, unknown>): { code: CodeFields; secret?: string } | undefined {
  if (typeof created.qrcodeId !== 'string' || typeof created.url !== 'string') return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    code: {
      qrcodeId: created.qrcodeId,
      url: created.url,
      payload: text(created.payload) ?? '',
      expiresIn: Number(created.expiresIn) || 0,
      matchCode: text(created.matchCode),
      userCode: text(created.userCode),
      shortCode: text(created.shortCode),
    },
    secret: text(created.creatorSecret),
  };
}

/** The routes of one module (`baseUrl` + `routePrefix`), with the creator secret of the latest code. @internal */
export class QrLoginApi {
  private readonly fetchFn: typeof fetch;
  private readonly base: string;
  /** The latest code's creator secret, sent with every request but the creation. */
  creatorSecret: string | undefined;
  /** The tab's DPoP key (undefined without WebCrypto, or with `dpop: false`): each request carries a proof by it. */
  private readonly dpop: Promise<QrLoginDpopKey | undefined>;

  constructor(options: Pick<QrLoginOptions, 'baseUrl' | 'routePrefix' | 'fetch' | 'dpop'>) {
    this.dpop = options.dpop === false ? Promise.resolve(undefined) : qrLoginDpopKey();
    const givenFetch = options.fetch;
    // Called through a wrapper: a bare `window.fetch` reference called as a method of another object throws.
    this.fetchFn = (input, init) => (givenFetch ?? fetch)(input, init);
    const base = (options.baseUrl ?? '').replace(/\/+$/, '');
    const prefix = trimSlashes(options.routePrefix ?? 'qr-login');
    this.base = prefix ? `${base}/${prefix}` : base;
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  /** Path of a code's status, or of its event stream with `suffix` `/events`. */
  codePath(qrcodeId: string, suffix = ''): string {
    return `/qrcodes/${encodeURIComponent(qrcodeId)}${suffix}`;
  }

  /** A fresh DPoP proof for one request, or undefined without a key. */
  async proof(method: string, url: string): Promise<string | undefined> {
    return (await this.dpop)?.proof(method, url);
  }

  /**
   * The event stream's URL: with a key, a proof for it (GET, the URL without
   * query) rides in `?dpop=`, as EventSource sends no headers; good once.
   */
  async streamUrl(qrcodeId: string): Promise<string> {
    const url = this.url(this.codePath(qrcodeId, '/events'));
    const proof = await this.proof('GET', url);
    return proof ? `${url}?dpop=${encodeURIComponent(proof)}` : url;
  }

  /**
   * One JSON request. Rejects with a `RequestError` (or the abort error when
   * `signal` ended it): `QR_NETWORK_ERROR` when unreachable, `QR_BAD_RESPONSE`
   * for a success without JSON, else the server's code (`HTTP_<status>` when it gave none).
   */
  async request<T>(method: 'GET' | 'POST', path: string, signal: AbortSignal, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    // Proves this browser created the code even where the cookie does not travel (blocked third-party cookies).
    if (this.creatorSecret && path !== '/qrcodes') headers[SECRET_HEADER] = this.creatorSecret;
    let response: Response;
    try {
      // A code created with a proof is bound to this key: every later request proves it again.
      const proof = await this.proof(method, this.url(path));
      if (proof) headers.dpop = proof;
      response = await this.fetchFn(this.url(path), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // The creator cookie must go along, cross-origin too: it alone may read and redeem the ticket.
        credentials: 'include',
        signal,
      });
    } catch (error) {
      if (isAbort(error) || signal.aborted) throw error;
      throw new RequestError(
        'QR_NETWORK_ERROR',
        `The server cannot be reached (${error instanceof Error ? error.message : String(error)}).`,
        0,
      );
    }
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch (error) {
      if (isAbort(error) || signal.aborted) throw error;
      parsed = undefined;
    }
    if (response.ok) {
      if (parsed === undefined)
        throw new RequestError(
          'QR_BAD_RESPONSE',
          `${method} ${path} answered ${response.status} without JSON.`,
          response.status,
        );
      return parsed as T;
    }
    throw errorOf(response, parsed);
  }
}

/** The error of a refused request, from the server's `{ code, message }` and `Retry-After`. */
function errorOf(response: Response, parsed: unknown): RequestError {
  const answer = (parsed ?? {}) as { code?: unknown; message?: unknown };
  const message = Array.isArray(answer.message)
    ? answer.message.join(' ')
    : typeof answer.message === 'string'
      ? answer.message
      : `HTTP ${response.status}`;
  const retryAfter = Number(response.headers.get('retry-after'));
  return new RequestError(
    typeof answer.code === 'string' ? answer.code : `HTTP_${response.status}`,
    message,
    response.status,
    retryAfter > 0 ? retryAfter * 1000 : undefined,
  );
}
