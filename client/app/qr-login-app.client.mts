/*
 * The phone side of nestjs-qr-login: scan a code, show who is asking, then
 * confirm or cancel, as the app's logged-in user. Only `fetch` (and, when a
 * call is given a signal, `AbortSignal`): no DOM, so it runs in React Native,
 * browsers, Node and workers.
 */
import { QR_LOGIN_APP_CLIENT_CODES, QrLoginAppError } from './qr-login-app.error.mjs';
import { createPasskeyCredential, getPasskeyAssertion, passkeyChallengeFor } from './qr-login-app.passkey.mjs';
import type {
  QrLoginCancelAnswer,
  QrLoginConfirmAnswer,
  QrLoginScanAnswer,
  QrLoginUserCodeRequest,
} from './qr-login-app.types.mjs';

/** The part of a fetch `Response` the client reads. */
export interface QrLoginFetchResponse {
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** The part of `fetch` the client calls; the platform's `fetch` fits. */
export type QrLoginFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: unknown },
) => Promise<QrLoginFetchResponse>;

export interface QrLoginAppClientOptions {
  /**
   * Origin (and path, if any) of the Nest app, e.g. `https://example.com`.
   * Required in an app; `''` (the default) means this page's origin in a browser.
   */
  baseUrl?: string;
  /** The module's `routePrefix`. Default `'qr-login'`. */
  routePrefix?: string;
  /**
   * The app user's access token, sent as `Authorization: Bearer <token>`;
   * called before every request, so a refreshed token is picked up. Return
   * nothing to send no header (the server then answers 401
   * `QR_APP_USER_UNAUTHENTICATED`).
   */
  getAccessToken(): string | null | undefined | Promise<string | null | undefined>;
  /** Default: the global `fetch`. */
  fetch?: QrLoginFetch;
}

/** Per call: an `AbortSignal` to give up waiting (the call then rejects with `QR_NETWORK_ERROR`). */
export interface QrLoginAppCallOptions {
  signal?: unknown;
}

/** The phone-side calls, from `createQrLoginAppClient`. Every failure rejects with a `QrLoginAppError`. */
export interface QrLoginAppClient {
  /** Scans a code by its id (see `qrcodeIdFromPayload`): who is asking, the risk, the match choices. */
  scan(qrcodeId: string, options?: QrLoginAppCallOptions): Promise<QrLoginScanAnswer>;
  /**
   * Scans a code by the short code typed from under the QR image (or an OAuth
   * device code such as `WDJB-MJHT`); case, spaces and dashes do not matter.
   * `entry` says how the code came: `typed` by the user, or from a `link`
   * (the server's default). A device flow reached by a link answers user codes
   * to pick from. Confirm or cancel a device flow with `confirmUserCode` /
   * `cancelUserCode`; a QR also by the answer's `qrcodeId`.
   */
  scanUserCode(
    userCode: string,
    options?: QrLoginAppCallOptions & { entry?: 'typed' | 'link' },
  ): Promise<QrLoginScanAnswer>;
  /** What a user code asks (device or QR, which client), changing nothing: show it before the user acts on a link. */
  describeUserCode(userCode: string, options?: QrLoginAppCallOptions): Promise<QrLoginUserCodeRequest>;
  /** Confirms the code scanned by `userCode`; pass the pick when the scan offered `matchChoices`. */
  confirmUserCode(userCode: string, options?: QrLoginAppCallOptions & Approval): Promise<QrLoginConfirmAnswer>;
  /** Cancels the code scanned by `userCode`. */
  cancelUserCode(userCode: string, options?: QrLoginAppCallOptions): Promise<QrLoginCancelAnswer>;
  /**
   * Logs the browser in as this app user. With number matching on, pass the
   * number the user picked among the scan's `matchChoices`: a wrong one
   * cancels the code (`QR_MATCH_FAILED`), none is refused (`QR_MATCH_REQUIRED`).
   */
  confirm(qrcodeId: string, options?: QrLoginAppCallOptions & Approval): Promise<QrLoginConfirmAnswer>;
  /** Refuses the login; the browser is told at once. */
  cancel(qrcodeId: string, options?: QrLoginAppCallOptions): Promise<QrLoginCancelAnswer>;
  /** The logged-in user's passkeys, oldest first (ids and dates), for a settings page. */
  listPasskeys(options?: QrLoginAppCallOptions): Promise<QrLoginPasskeyList>;
  /** Registers a passkey on this device for the logged-in user (asks for the device's lock: fingerprint, face, PIN). */
  registerPasskey(options?: QrLoginAppCallOptions): Promise<{ id: string; createdAt: number }>;
  /**
   * Approves a scan that asks for a passkey (`scan.approval`): derives the
   * challenge from what `scan` shows and the picked number, checks the server
   * derived the same (else something between changed the description), signs
   * it with the user's passkey and confirms. Show the user `scan` exactly.
   * A device flow is confirmed by its user code: pass the one scanned as `userCode`.
   */
  /** The server's request options to approve a scanned code: its challenge for the picked number, the user's passkeys. */
  passkeyOptions(qrcodeId: string, matchCode?: string, options?: QrLoginAppCallOptions): Promise<QrLoginPasskeyRequest>;
  approveWithPasskey(
    scan: QrLoginScanAnswer,
    options?: QrLoginAppCallOptions & { matchCode?: string; userCode?: string },
  ): Promise<QrLoginConfirmAnswer>;
}

/** Answer of `POST /<prefix>/qrcodes/:id/passkey-options`: what `getPasskeyAssertion` takes. */
export interface QrLoginPasskeyRequest {
  challenge: string;
  rpId: string;
  timeout: number;
  allowCredentials: { id: string; type: 'public-key'; transports?: string[] }[];
}

/** Answer of `GET /<prefix>/passkeys`: the user's passkeys, oldest first; never a key or counter. */
export interface QrLoginPasskeyList {
  passkeys: { id: string; createdAt: number; transports?: string[] }[];
}

/** A confirm's picked number, and a passkey assertion when the scan asked for one (see `approveWithPasskey`). */
type Approval = { matchCode?: string; passkey?: Record<string, unknown> };

/** The confirm body of `Approval`: only what was given. */
function approvalOf(call: Approval | undefined): Record<string, unknown> {
  return {
    ...(call?.matchCode === undefined ? {} : { matchCode: String(call.matchCode) }),
    ...(call?.passkey === undefined ? {} : { passkey: call.passkey }),
  };
}

function trimSlashes(text: string): string {
  return text.replace(/^\/+|\/+$/g, '');
}

function messageOf(answer: unknown, fallback: string): string {
  const message = (answer as { message?: unknown } | undefined)?.message;
  if (Array.isArray(message)) return message.join(' ');
  return typeof message === 'string' && message ? message : fallback;
}

function requireText(name: string, value: unknown): string {
  if (typeof value !== 'string' || !value.trim()) {
    throw new TypeError(
      `${name} must be a non-empty string; got ${typeof value === 'string' ? 'a blank string' : typeof value}.`,
    );
  }
  return value.trim();
}

/**
 * Creates the phone-side client of one Nest app.
 *
 * ```ts
 * const qrLogin = createQrLoginAppClient({
 *   baseUrl: 'https://example.com',
 *   getAccessToken: () => session.accessToken,
 * });
 * const asked = await qrLogin.scan(qrcodeIdFromPayload(scannedText)!);
 * // show asked.requester and asked.risk.flags, then:
 * await qrLogin.confirm(asked.qrcodeId, { matchCode: picked });
 * ```
 */
export function createQrLoginAppClient(options: QrLoginAppClientOptions): QrLoginAppClient {
  if (typeof options?.getAccessToken !== 'function') {
    throw new TypeError(
      'createQrLoginAppClient needs getAccessToken: a function returning the app user’s access token.',
    );
  }
  const base = (options.baseUrl ?? '').replace(/\/+$/, '');
  const prefix = trimSlashes(options.routePrefix ?? 'qr-login');
  const root = prefix ? `${base}/${prefix}` : base;
  const globalFetch = (globalThis as { fetch?: QrLoginFetch }).fetch;
  const fetchFn = options.fetch ?? globalFetch;
  if (typeof fetchFn !== 'function') {
    throw new TypeError('No fetch on this platform: pass createQrLoginAppClient({ fetch }).');
  }
  // Called unbound: a browser's fetch throws when called as a method of another object.
  const send: QrLoginFetch = (url, init) => fetchFn(url, init);

  async function request<T>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    call: QrLoginAppCallOptions | undefined,
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = await options.getAccessToken();
    if (token) headers.authorization = `Bearer ${token}`;
    // Fastify refuses an empty body announced as JSON, so only real bodies get the header.
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: QrLoginFetchResponse;
    try {
      response = await send(`${root}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(call?.signal ? { signal: call.signal } : {}),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new QrLoginAppError(QR_LOGIN_APP_CLIENT_CODES.network, `The server cannot be reached (${reason}).`, 0);
    }
    let text = '';
    try {
      text = await response.text();
    } catch {
      // An unreadable body is treated as none.
    }
    let answer: unknown;
    try {
      answer = text ? JSON.parse(text) : undefined;
    } catch {
      answer = undefined;
    }
    if (response.ok) {
      if (typeof answer !== 'object' || answer === null) {
        throw new QrLoginAppError(
          QR_LOGIN_APP_CLIENT_CODES.badResponse,
          `${method} ${root}${path} answered ${response.status} without JSON: check baseUrl and routePrefix.`,
          response.status,
        );
      }
      return answer as T;
    }
    const code = (answer as { code?: unknown } | undefined)?.code;
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new QrLoginAppError(
      typeof code === 'string' ? code : `HTTP_${response.status}`,
      messageOf(answer, `${method} ${root}${path} answered HTTP ${response.status}.`),
      response.status,
      retryAfter > 0 ? retryAfter : undefined,
    );
  }

  const post = <T,>(path: string, body: unknown, call: QrLoginAppCallOptions | undefined) =>
    request<T>('POST', path, body, call);
  const codePath = (qrcodeId: string, action: string) =>
    `/qrcodes/${encodeURIComponent(requireText('qrcodeId', qrcodeId))}/${action}`;

  // async throughout, so a bad argument rejects like every other failure instead of throwing.
  return {
    scan: async (qrcodeId, call) => post(codePath(qrcodeId, 'scan'), undefined, call),
    scanUserCode: async (userCode, call) =>
      post(
        '/user-codes/scan',
        { userCode: requireText('userCode', userCode), ...(call?.entry ? { entry: call.entry } : {}) },
        call,
      ),
    describeUserCode: async (userCode, call) =>
      post('/user-codes/describe', { userCode: requireText('userCode', userCode) }, call),
    confirmUserCode: async (userCode, call) =>
      post('/user-codes/confirm', { userCode: requireText('userCode', userCode), ...approvalOf(call) }, call),
    cancelUserCode: async (userCode, call) =>
      post('/user-codes/cancel', { userCode: requireText('userCode', userCode) }, call),
    confirm: async (qrcodeId, call) => {
      const body = approvalOf(call);
      return post(codePath(qrcodeId, 'confirm'), Object.keys(body).length ? body : undefined, call);
    },
    cancel: async (qrcodeId, call) => post(codePath(qrcodeId, 'cancel'), undefined, call),
    listPasskeys: async (call) => request('GET', '/passkeys', undefined, call),
    registerPasskey: async (call) => {
      const options = await post<Record<string, unknown>>('/passkeys/registration/options', undefined, call);
      const credential = await createPasskeyCredential(options);
      return post('/passkeys/registration/verify', { credential }, call);
    },
    passkeyOptions: async (qrcodeId, matchCode, call) =>
      post(codePath(qrcodeId, 'passkey-options'), matchCode === undefined ? undefined : { matchCode }, call),
    approveWithPasskey: async (scan, call) => {
      const matchCode = call?.matchCode === undefined ? undefined : String(call.matchCode);
      const challenge = await passkeyChallengeFor(scan, matchCode);
      const options = await post<QrLoginPasskeyRequest>(
        codePath(scan.qrcodeId, 'passkey-options'),
        matchCode === undefined ? undefined : { matchCode },
        call,
      );
      if (options.challenge !== challenge) {
        throw new QrLoginAppError(
          QR_LOGIN_APP_CLIENT_CODES.passkeyMismatch,
          'The server describes this login differently from what was shown, so nothing was signed: scan the code again.',
          0,
        );
      }
      const passkey = await getPasskeyAssertion({ ...options, challenge });
      const body = { ...(matchCode === undefined ? {} : { matchCode }), passkey };
      if (call?.userCode !== undefined)
        return post('/user-codes/confirm', { userCode: requireText('userCode', call.userCode), ...body }, call);
      return post(codePath(scan.qrcodeId, 'confirm'), body, call);
    },
  };
}
