import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startQrLogin, type QrLoginOptions, type QrLoginStatusView } from '../../client/index.mjs';

/*
 * The client's logic with a scripted server: a fake fetch and a fake
 * EventSource, on fake timers. The real browser and server are the e2e suite's.
 * Every case runs with `dpop: false`: making a WebCrypto key takes real time
 * that fake timers cannot wait for, so key-bound logins are the Chromium
 * suites' (sample-dpop, the element's).
 */

const ID1 = 'AAAAAAAAAAAAAAAAAAAAAAAAAA1';
const ID2 = 'BBBBBBBBBBBBBBBBBBBBBBBBBB2';
const TICKET = `${ID1}.${'t'.repeat(43)}`;

class FakeEventSource {
  static instances: FakeEventSource[] = [];
  readyState = 0;
  closed = false;
  onmessage: ((event: { data: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(
    readonly url: string,
    readonly init?: EventSourceInit,
  ) {
    FakeEventSource.instances.push(this);
  }

  close(): void {
    this.closed = true;
    this.readyState = 2;
  }

  emit(view: Partial<QrLoginStatusView>): void {
    this.readyState = 1;
    this.onmessage?.({ data: JSON.stringify(view) });
  }

  /** An error event; `closed` as when the server refused the stream. */
  fail(closed: boolean): void {
    this.readyState = closed ? 2 : 0;
    this.onerror?.({});
  }
}

interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  credentials?: RequestCredentials;
  signal: AbortSignal;
}

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'network-error' | 'hang';

/** A scripted server: replies queued per "METHOD path", the last one repeating. */
function fakeServer() {
  const calls: Call[] = [];
  const script = new Map<string, Reply[]>();
  const fetchFn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    const method = init.method ?? 'GET';
    const call: Call = {
      method,
      url,
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      credentials: init.credentials,
      signal: init.signal!,
    };
    calls.push(call);
    const key = `${method} ${new URL(url, 'http://page.test').pathname}`;
    const queue = script.get(key);
    if (!queue?.length) throw new Error(`no reply scripted for ${key}`);
    const reply = queue.length > 1 ? queue.shift()! : queue[0];
    if (reply === 'network-error') throw new TypeError('fetch failed');
    if (reply === 'hang') {
      return new Promise<Response>((_, reject) =>
        call.signal.addEventListener('abort', () =>
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
        ),
      );
    }
    return {
      ok: reply.status >= 200 && reply.status < 300,
      status: reply.status,
      headers: new Headers(reply.headers),
      json: async () => {
        if (reply.body === undefined) throw new SyntaxError('Unexpected end of JSON input');
        return reply.body;
      },
    } as Response;
  });
  return {
    calls,
    fetch: fetchFn as unknown as typeof fetch,
    on(method: string, path: string, ...replies: Reply[]) {
      script.set(`${method} ${path}`, replies);
    },
    count(method: string, path: string) {
      return calls.filter((c) => c.method === method && new URL(c.url, 'http://page.test').pathname === path).length;
    },
  };
}

const created = (id: string, extra: Record<string, unknown> = {}) => ({
  status: 201,
  body: {
    qrcodeId: id,
    url: `data:image/svg+xml,${id}`,
    payload: `https://app.test/phone?code=${id}`,
    expiresIn: 120,
    creatorSecret: 's3cret',
    ...extra,
  },
});

/** Every callback as a spy, recorded in one list so the order can be checked too. */
function recorder() {
  const events: Array<[string, ...unknown[]]> = [];
  const record =
    (name: string) =>
    (...args: unknown[]) =>
      events.push([name, ...args]);
  const callbacks = {
    onCode: vi.fn(record('code')),
    onStatus: vi.fn(record('status')),
    onScanned: vi.fn(record('scanned')),
    onAuthorized: vi.fn(record('authorized')),
    onCancelled: vi.fn(record('cancelled')),
    onExpired: vi.fn(record('expired')),
    onError: vi.fn(record('error')),
    onTransport: vi.fn(record('transport')),
  } satisfies Partial<QrLoginOptions>;
  return { events, callbacks, names: () => events.map(([name]) => name) };
}

const flush = () => vi.advanceTimersByTimeAsync(0);
const lastSource = () => FakeEventSource.instances[FakeEventSource.instances.length - 1];

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
  FakeEventSource.instances = [];
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('startQrLogin over SSE', () => {
  it('creates a code, follows it and redeems the ticket once confirmed', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1, { matchCode: '42', shortCode: 'K7QM-4XPD' }));
    server.on('POST', '/qr-login/login', { status: 200, body: { access_token: 'jwt' } });
    const { callbacks, names } = recorder();
    const login = startQrLogin({
      dpop: false,
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      ...callbacks,
    });
    expect(login.state).toBe('creating');
    await flush();

    const create = server.calls[0];
    expect(create).toMatchObject({ method: 'POST', url: '/qr-login/qrcodes', body: {}, credentials: 'include' });
    expect(create.headers['x-qr-login-secret']).toBeUndefined();
    expect(callbacks.onCode).toHaveBeenCalledWith({
      qrcodeId: ID1,
      url: `data:image/svg+xml,${ID1}`,
      payload: `https://app.test/phone?code=${ID1}`,
      expiresIn: 120,
      expiresAt: Date.parse('2026-01-01T00:02:00Z'),
      matchCode: '42',
      shortCode: 'K7QM-4XPD',
    });
    expect(login.current?.qrcodeId).toBe(ID1);
    const source = lastSource();
    expect(source.url).toBe(`/qr-login/qrcodes/${ID1}/events`);
    // Same origin: the cookie goes along without credentials mode.
    expect(source.init).toEqual({ withCredentials: false });
    expect(login.transport).toBe('sse');

    source.emit({ qrcodeId: ID1, status: 'PENDING', expiresIn: 120 });
    expect(login.state).toBe('pending');
    const alice = { displayName: 'Alice', photo: 'data:image/svg+xml,a' };
    source.emit({ qrcodeId: ID1, status: 'SCANNED', briefUserInfo: alice });
    expect(callbacks.onScanned).toHaveBeenCalledWith(alice, expect.objectContaining({ status: 'SCANNED' }));
    expect(login.state).toBe('scanned');

    source.emit({ qrcodeId: ID1, status: 'AUTHORIZED', briefUserInfo: alice, ticket: TICKET });
    expect(source.closed).toBe(true);
    await flush();
    const redeem = server.calls[1];
    expect(redeem).toMatchObject({
      method: 'POST',
      url: '/qr-login/login',
      body: { ticket: TICKET },
      credentials: 'include',
    });
    expect(redeem.headers).toMatchObject({ 'content-type': 'application/json', 'x-qr-login-secret': 's3cret' });
    expect(callbacks.onAuthorized).toHaveBeenCalledWith({ access_token: 'jwt' }, TICKET);
    expect(login.state).toBe('authorized');
    expect(names()).toEqual(['code', 'transport', 'status', 'status', 'scanned', 'status', 'authorized']);
    expect(callbacks.onError).not.toHaveBeenCalled();
  });

  it('carries the server’s userCode to onCode and the container, on creation and rotation', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1, { userCode: 'WDJB-MJHT' }));
    const { callbacks } = recorder();
    startQrLogin({
      dpop: false,
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      ...callbacks,
    });
    await flush();
    expect(callbacks.onCode).toHaveBeenLastCalledWith(
      expect.objectContaining({ qrcodeId: ID1, userCode: 'WDJB-MJHT' }),
    );
    lastSource().emit({
      qrcodeId: ID2,
      status: 'PENDING',
      expiresIn: 100,
      url: 'data:2',
      payload: 'p2',
      rotatedFrom: ID1,
      userCode: 'BCDF-GHJK',
    });
    expect(callbacks.onCode).toHaveBeenLastCalledWith(
      expect.objectContaining({ qrcodeId: ID2, userCode: 'BCDF-GHJK' }),
    );
  });

  it('talks to another origin and route prefix, with credentials, and sends customData and context', async () => {
    const server = fakeServer();
    server.on('POST', '/auth/qr/qrcodes', created(ID1));
    startQrLogin({
      dpop: false,
      baseUrl: 'https://api.example.test/',
      routePrefix: '/auth/qr/',
      customData: { from: 'checkout' },
      context: { locale: 'en' },
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
    });
    await flush();
    expect(server.calls[0]).toMatchObject({
      url: 'https://api.example.test/auth/qr/qrcodes',
      body: { customData: { from: 'checkout' }, context: { locale: 'en' } },
    });
    expect(lastSource().url).toBe(`https://api.example.test/auth/qr/qrcodes/${ID1}/events`);
    expect(lastSource().init).toEqual({ withCredentials: true });
  });

  it('shows a rotated code and follows it', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1));
    server.on('GET', `/qr-login/qrcodes/${ID2}`, {
      status: 200,
      body: { qrcodeId: ID2, status: 'PENDING', expiresIn: 90 },
    });
    const { callbacks } = recorder();
    const login = startQrLogin({
      dpop: false,
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      ...callbacks,
    });
    await flush();
    const source = lastSource();
    source.emit({ qrcodeId: ID1, status: 'PENDING' });
    source.emit({
      qrcodeId: ID2,
      status: 'PENDING',
      expiresIn: 100,
      url: 'data:2',
      payload: 'p2',
      rotatedFrom: ID1,
      matchCode: '07',
      shortCode: 'WXYZ-2345',
    });
    expect(callbacks.onCode).toHaveBeenLastCalledWith({
      qrcodeId: ID2,
      url: 'data:2',
      payload: 'p2',
      expiresIn: 100,
      expiresAt: Date.now() + 100_000,
      matchCode: '07',
      shortCode: 'WXYZ-2345',
      rotatedFrom: ID1,
    });
    expect(login.current?.qrcodeId).toBe(ID2);
    expect(callbacks.onStatus).toHaveBeenLastCalledWith(expect.objectContaining({ qrcodeId: ID2, status: 'PENDING' }));
    // A late view of the replaced code changes nothing.
    source.emit({ qrcodeId: ID1, status: 'EXPIRED' });
    expect(callbacks.onExpired).not.toHaveBeenCalled();
    // Polling, should the stream close for good, reads the new code.
    source.fail(true);
    await flush();
    expect(server.count('GET', `/qr-login/qrcodes/${ID2}`)).toBe(1);
  });

  it('falls back to polling when the stream fails before its first event', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1));
    server.on('GET', `/qr-login/qrcodes/${ID1}`, {
      status: 200,
      body: { qrcodeId: ID1, status: 'PENDING', expiresIn: 120 },
    });
    const { callbacks } = recorder();
    const login = startQrLogin({
      dpop: false,
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      ...callbacks,
    });
    await flush();
    const source = lastSource();
    source.fail(false);
    expect(source.closed).toBe(true);
    expect(login.transport).toBe('poll');
    expect(callbacks.onTransport.mock.calls).toEqual([['sse'], ['poll']]);
    await flush();
    expect(server.count('GET', `/qr-login/qrcodes/${ID1}`)).toBe(1);
    expect(server.calls[1].headers['x-qr-login-secret']).toBe('s3cret');
    expect(callbacks.onStatus).toHaveBeenCalledTimes(1);
  });

  it('lets the browser reconnect a stream that dropped after an event, and polls once it is closed', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1));
    server.on('GET', `/qr-login/qrcodes/${ID1}`, {
      status: 200,
      body: { qrcodeId: ID1, status: 'PENDING', expiresIn: 120 },
    });
    const login = startQrLogin({
      dpop: false,
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
    });
    await flush();
    const source = lastSource();
    source.emit({ qrcodeId: ID1, status: 'PENDING' });
    source.fail(false);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(source.closed).toBe(false);
    expect(login.transport).toBe('sse');
    expect(server.count('GET', `/qr-login/qrcodes/${ID1}`)).toBe(0);
    source.fail(true);
    await flush();
    expect(login.transport).toBe('poll');
    expect(server.count('GET', `/qr-login/qrcodes/${ID1}`)).toBe(1);
  });

  it('reports a refused stream when SSE is forced', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1));
    const { callbacks } = recorder();
    const login = startQrLogin({
      dpop: false,
      transport: 'sse',
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      ...callbacks,
    });
    await flush();
    lastSource().fail(true);
    expect(callbacks.onError).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'QR_SSE_UNAVAILABLE', fatal: true }),
    );
    expect(login.state).toBe('failed');
    expect(server.calls).toHaveLength(1);
  });

  it('reads the ticket with the secret header when the stream brought none', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1));
    server.on('GET', `/qr-login/qrcodes/${ID1}`, {
      status: 200,
      body: { qrcodeId: ID1, status: 'AUTHORIZED', ticket: TICKET },
    });
    server.on('POST', '/qr-login/login', { status: 200, body: { ok: true } });
    const { callbacks } = recorder();
    startQrLogin({
      dpop: false,
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      ...callbacks,
    });
    await flush();
    lastSource().emit({ qrcodeId: ID1, status: 'AUTHORIZED' });
    await flush();
    expect(server.calls[1]).toMatchObject({ method: 'GET', headers: { 'x-qr-login-secret': 's3cret' } });
    expect(server.calls[2].body).toEqual({ ticket: TICKET });
    expect(callbacks.onAuthorized).toHaveBeenCalledWith({ ok: true }, TICKET);
  });

  it('says so when no ticket can be had', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1));
    server.on('GET', `/qr-login/qrcodes/${ID1}`, { status: 200, body: { qrcodeId: ID1, status: 'AUTHORIZED' } });
    const { callbacks } = recorder();
    const login = startQrLogin({
      dpop: false,
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      ...callbacks,
    });
    await flush();
    lastSource().emit({ qrcodeId: ID1, status: 'AUTHORIZED' });
    await flush();
    expect(callbacks.onError).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'QR_TICKET_UNAVAILABLE', fatal: true }),
    );
    expect(callbacks.onAuthorized).not.toHaveBeenCalled();
    expect(login.state).toBe('failed');
    expect(server.count('POST', '/qr-login/login')).toBe(0);
  });

  it('hands the ticket over without redeeming it when autoRedeem is off', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1));
    const { callbacks } = recorder();
    const login = startQrLogin({
      dpop: false,
      autoRedeem: false,
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      ...callbacks,
    });
    await flush();
    lastSource().emit({ qrcodeId: ID1, status: 'AUTHORIZED', ticket: TICKET });
    await flush();
    expect(callbacks.onAuthorized).toHaveBeenCalledWith(undefined, TICKET);
    expect(server.calls).toHaveLength(1);
    expect(login.state).toBe('authorized');
  });

  it('reports a failed redemption with the server’s code', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1));
    server.on('POST', '/qr-login/login', {
      status: 401,
      body: { statusCode: 401, code: 'QR_TICKET_USED', message: 'The ticket was used already.' },
    });
    const { callbacks } = recorder();
    startQrLogin({
      dpop: false,
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      ...callbacks,
    });
    await flush();
    lastSource().emit({ qrcodeId: ID1, status: 'AUTHORIZED', ticket: TICKET });
    await flush();
    expect(callbacks.onError).toHaveBeenCalledWith({
      code: 'QR_TICKET_USED',
      message: 'The ticket was used already.',
      status: 401,
      fatal: true,
    });
    expect(callbacks.onAuthorized).not.toHaveBeenCalled();
  });

  it('reports a cancellation with its reason and creates nothing', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1));
    const { callbacks } = recorder();
    const login = startQrLogin({
      dpop: false,
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      ...callbacks,
    });
    await flush();
    lastSource().emit({ qrcodeId: ID1, status: 'CANCELLED', cancelReason: 'MATCH_FAILED' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(callbacks.onCancelled).toHaveBeenCalledWith('MATCH_FAILED');
    expect(lastSource().closed).toBe(true);
    expect(login.state).toBe('cancelled');
    expect(server.count('POST', '/qr-login/qrcodes')).toBe(1);
  });

  it('goes on polling through a store outage the stream reports as ERROR', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1));
    server.on('GET', `/qr-login/qrcodes/${ID1}`, { status: 200, body: { qrcodeId: ID1, status: 'PENDING' } });
    const { callbacks } = recorder();
    const login = startQrLogin({
      dpop: false,
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      ...callbacks,
    });
    await flush();
    const source = lastSource();
    source.emit({ qrcodeId: ID1, status: 'PENDING' });
    source.emit({ qrcodeId: ID1, status: 'ERROR', code: 'QR_STORE_UNAVAILABLE', message: 'The store is down.' });
    expect(callbacks.onError).toHaveBeenCalledWith({
      code: 'QR_STORE_UNAVAILABLE',
      message: 'The store is down.',
      status: 0,
      fatal: false,
    });
    expect(source.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(login.transport).toBe('poll');
    expect(server.count('GET', `/qr-login/qrcodes/${ID1}`)).toBe(1);
    expect(login.state).toBe('pending');
  });
});

describe('startQrLogin by polling', () => {
  beforeEach(() => {
    // As in a browser without EventSource.
    vi.stubGlobal('EventSource', undefined);
  });

  it('polls at the interval, reports each status once, and stops at a terminal one', async () => {
    const server = fakeServer();
    const path = `/qr-login/qrcodes/${ID1}`;
    server.on('POST', '/qr-login/qrcodes', created(ID1));
    server.on(
      'GET',
      path,
      { status: 200, body: { qrcodeId: ID1, status: 'PENDING' } },
      { status: 200, body: { qrcodeId: ID1, status: 'PENDING' } },
      { status: 200, body: { qrcodeId: ID1, status: 'SCANNED', briefUserInfo: { displayName: 'Bob' } } },
      { status: 200, body: { qrcodeId: ID1, status: 'CANCELLED' } },
    );
    const { callbacks } = recorder();
    const login = startQrLogin({ dpop: false, fetch: server.fetch, pollInterval: 1_000, ...callbacks });
    await flush();
    expect(login.transport).toBe('poll');
    expect(server.count('GET', path)).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(server.count('GET', path)).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.count('GET', path)).toBe(2);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(callbacks.onStatus.mock.calls.map(([view]) => (view as QrLoginStatusView).status)).toEqual([
      'PENDING',
      'SCANNED',
      'CANCELLED',
    ]);
    expect(callbacks.onScanned).toHaveBeenCalledWith({ displayName: 'Bob' }, expect.anything());
    expect(callbacks.onCancelled).toHaveBeenCalledWith(undefined);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(server.count('GET', path)).toBe(4);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('backs off on failures, reports them once, and honours Retry-After', async () => {
    const server = fakeServer();
    const path = `/qr-login/qrcodes/${ID1}`;
    server.on('POST', '/qr-login/qrcodes', created(ID1));
    server.on(
      'GET',
      path,
      'network-error',
      { status: 503, body: { code: 'QR_STORE_UNAVAILABLE', message: 'down' } },
      { status: 429, body: { code: 'QR_RATE_LIMITED', message: 'slow down' }, headers: { 'retry-after': '20' } },
      { status: 200, body: { qrcodeId: ID1, status: 'PENDING' } },
    );
    const { callbacks } = recorder();
    startQrLogin({ dpop: false, fetch: server.fetch, pollInterval: 1_000, ...callbacks });
    await flush();
    expect(server.count('GET', path)).toBe(1);
    expect(callbacks.onError).toHaveBeenCalledTimes(1);
    expect(callbacks.onError).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'QR_NETWORK_ERROR', status: 0, fatal: false }),
    );
    // 1 s × 2 after the first failure, × 4 after the second.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(server.count('GET', path)).toBe(2);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(server.count('GET', path)).toBe(3);
    // The 429 asked for 20 s, more than the back-off's 8 s.
    await vi.advanceTimersByTimeAsync(19_000);
    expect(server.count('GET', path)).toBe(3);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(server.count('GET', path)).toBe(4);
    expect(callbacks.onStatus).toHaveBeenCalledWith(expect.objectContaining({ status: 'PENDING' }));
    expect(callbacks.onError).toHaveBeenCalledTimes(1);
  });

  it('gives up on an answer that cannot get better', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1));
    server.on('GET', `/qr-login/qrcodes/${ID1}`, {
      status: 404,
      body: { code: 'QR_NOT_FOUND', message: 'No such code.' },
    });
    const { callbacks } = recorder();
    const login = startQrLogin({ dpop: false, fetch: server.fetch, ...callbacks });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(callbacks.onError).toHaveBeenCalledWith({
      code: 'QR_NOT_FOUND',
      message: 'No such code.',
      status: 404,
      fatal: true,
    });
    expect(login.state).toBe('failed');
    expect(server.count('GET', `/qr-login/qrcodes/${ID1}`)).toBe(1);
  });
});

describe('startQrLogin, expiry and refresh', () => {
  const expire = (id: string) => lastSource().emit({ qrcodeId: id, status: 'EXPIRED' });

  it('replaces an expired code, up to autoRefresh.max in a row', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1), created(ID2), created(ID1));
    const { callbacks } = recorder();
    const login = startQrLogin({
      dpop: false,
      autoRefresh: { max: 1 },
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      ...callbacks,
    });
    await flush();
    const first = lastSource();
    expire(ID1);
    expect(first.closed).toBe(true);
    expect(callbacks.onExpired).toHaveBeenLastCalledWith({ willRefresh: true });
    await flush();
    expect(login.current?.qrcodeId).toBe(ID2);
    expect(lastSource()).not.toBe(first);

    expire(ID2);
    expect(callbacks.onExpired).toHaveBeenLastCalledWith({ willRefresh: false });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.count('POST', '/qr-login/qrcodes')).toBe(2);
    expect(login.state).toBe('expired');

    // The user asks: a new code, and the count starts again.
    await login.refresh();
    expect(server.count('POST', '/qr-login/qrcodes')).toBe(3);
    expect(login.state).toBe('pending');
  });

  it('counts again from zero after a scan', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1), created(ID2), created(ID1));
    const { callbacks } = recorder();
    startQrLogin({
      dpop: false,
      autoRefresh: { max: 1 },
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      ...callbacks,
    });
    await flush();
    expire(ID1);
    await flush();
    lastSource().emit({ qrcodeId: ID2, status: 'SCANNED' });
    expire(ID2);
    expect(callbacks.onExpired.mock.calls).toEqual([[{ willRefresh: true }], [{ willRefresh: true }]]);
    await flush();
    expect(server.count('POST', '/qr-login/qrcodes')).toBe(3);
  });

  it('waits until a hidden tab is looked at again before making a new code', async () => {
    const page = Object.assign(new EventTarget(), { visibilityState: 'hidden' as DocumentVisibilityState });
    vi.stubGlobal('document', page);
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1), created(ID2));
    const { callbacks } = recorder();
    const login = startQrLogin({
      dpop: false,
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      ...callbacks,
    });
    await flush();
    expire(ID1);
    expect(callbacks.onExpired).toHaveBeenCalledWith({ willRefresh: true });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.count('POST', '/qr-login/qrcodes')).toBe(1);
    page.visibilityState = 'visible';
    page.dispatchEvent(new Event('visibilitychange'));
    await flush();
    expect(server.count('POST', '/qr-login/qrcodes')).toBe(2);
    expect(login.current?.qrcodeId).toBe(ID2);
  });

  it('stops waiting for the tab when stopped', async () => {
    const page = Object.assign(new EventTarget(), { visibilityState: 'hidden' as DocumentVisibilityState });
    vi.stubGlobal('document', page);
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1), created(ID2));
    const login = startQrLogin({
      dpop: false,
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
    });
    await flush();
    expire(ID1);
    login.stop();
    page.visibilityState = 'visible';
    page.dispatchEvent(new Event('visibilitychange'));
    await flush();
    expect(server.count('POST', '/qr-login/qrcodes')).toBe(1);
  });

  it('leaves an expired code alone when autoRefresh is off', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1));
    const { callbacks } = recorder();
    startQrLogin({
      dpop: false,
      autoRefresh: false,
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      ...callbacks,
    });
    await flush();
    expire(ID1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(callbacks.onExpired).toHaveBeenCalledWith({ willRefresh: false });
    expect(server.count('POST', '/qr-login/qrcodes')).toBe(1);
  });

  it('reports a failed creation with the server’s code', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', {
      status: 429,
      body: { statusCode: 429, code: 'QR_RATE_LIMITED', message: 'Too many codes.' },
      headers: { 'retry-after': '9' },
    });
    const { callbacks } = recorder();
    const login = startQrLogin({
      dpop: false,
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      ...callbacks,
    });
    await flush();
    expect(callbacks.onError).toHaveBeenCalledWith({
      code: 'QR_RATE_LIMITED',
      message: 'Too many codes.',
      status: 429,
      fatal: true,
    });
    expect(login.state).toBe('failed');
    expect(FakeEventSource.instances).toHaveLength(0);
  });

  it('reports an unreachable server', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', 'network-error');
    const { callbacks } = recorder();
    startQrLogin({ dpop: false, fetch: server.fetch, ...callbacks });
    await flush();
    expect(callbacks.onError).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'QR_NETWORK_ERROR', status: 0, fatal: true }),
    );
  });
});

describe('stop()', () => {
  it('closes the stream, and nothing runs afterwards', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1));
    const { callbacks, events } = recorder();
    const login = startQrLogin({
      dpop: false,
      fetch: server.fetch,
      EventSource: FakeEventSource as unknown as typeof EventSource,
      ...callbacks,
    });
    await flush();
    const source = lastSource();
    const before = events.length;
    login.stop();
    expect(source.closed).toBe(true);
    expect(login.state).toBe('stopped');
    // Whatever the closed stream might still deliver is ignored.
    source.onmessage?.({ data: JSON.stringify({ qrcodeId: ID1, status: 'SCANNED' }) });
    await login.refresh();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(events.length).toBe(before);
    expect(server.calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('aborts a request under way and drops its answer', async () => {
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', 'hang');
    const { callbacks, events } = recorder();
    const login = startQrLogin({ dpop: false, fetch: server.fetch, ...callbacks });
    await flush();
    const signal = server.calls[0].signal;
    expect(signal.aborted).toBe(false);
    login.stop();
    expect(signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(events).toEqual([]);
  });

  it('clears the polling timer', async () => {
    vi.stubGlobal('EventSource', undefined);
    const server = fakeServer();
    server.on('POST', '/qr-login/qrcodes', created(ID1));
    server.on('GET', `/qr-login/qrcodes/${ID1}`, { status: 200, body: { qrcodeId: ID1, status: 'PENDING' } });
    const login = startQrLogin({ dpop: false, fetch: server.fetch, pollInterval: 500 });
    await vi.advanceTimersByTimeAsync(1_000);
    const reads = server.count('GET', `/qr-login/qrcodes/${ID1}`);
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(vi.getTimerCount()).toBe(1);
    login.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(server.count('GET', `/qr-login/qrcodes/${ID1}`)).toBe(reads);
  });

  it('refuses a poll interval that is not positive', () => {
    expect(() => startQrLogin({ dpop: false, pollInterval: 0 })).toThrow(/pollInterval must be a positive number/);
  });
});
