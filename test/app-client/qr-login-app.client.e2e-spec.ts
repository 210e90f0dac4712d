import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  createQrLoginAppClient,
  isQrLoginAppError,
  QrLoginAppError,
  type QrLoginAppClient,
} from '../../client/app/index.mjs';
import { MemoryQrLoginPasskeyStore } from '../../lib';
import { APP_USERS } from '../app/test-app';
import { describeMatrix } from '../support/matrix';
import { creatorHeader } from '../support/http';

/*
 * `nestjs-qr-login/app` against the real fixture app, over every store and
 * both HTTP adapters: what a phone app gets from scan, confirm and cancel,
 * and the server's error codes carried by QrLoginAppError.
 */

const tokenOf = (name: 'alice' | 'bob' | 'nobody') => (name === 'nobody' ? undefined : `token-${name}`);

function phone(url: string, name: 'alice' | 'bob' | 'nobody', extra: { routePrefix?: string } = {}): QrLoginAppClient {
  return createQrLoginAppClient({ baseUrl: url, getAccessToken: async () => tokenOf(name), ...extra });
}

/** Resolves with the error `promise` rejected with; fails the test when it resolves. */
async function failureOf(promise: Promise<unknown>): Promise<QrLoginAppError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(QrLoginAppError);
  return outcome.error as QrLoginAppError;
}

/** A port nothing listens on: bound, read, closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describeMatrix('the app client', {}, (current) => {
  it('scans: the answer says who is asking', async () => {
    const { api, url } = current();
    const created = await api.create({}, { 'user-agent': 'DesktopBrowser/1.0' });
    const answer = await phone(url, 'alice').scan(created.body.qrcodeId);
    expect(answer).toMatchObject({ qrcodeId: created.body.qrcodeId, status: 'SCANNED' });
    expect(answer.expiresIn).toBeGreaterThan(0);
    expect(answer.requester).toMatchObject({ appName: 'Fixture Web', userAgent: 'DesktopBrowser/1.0' });
    expect(Number.isNaN(Date.parse(answer.requester.createdAt))).toBe(false);
    expect(answer.matchChoices).toBeUndefined();
    const seen = await api.status(created.body.qrcodeId, creatorHeader(created));
    expect(seen.body).toMatchObject({
      status: 'SCANNED',
      briefUserInfo: { displayName: APP_USERS['token-alice'].displayName },
    });
  });

  it('confirms: the creator gets a ticket that logs in as the scanner', async () => {
    const { api, url } = current();
    const created = await api.create();
    const alice = phone(url, 'alice');
    await alice.scan(created.body.qrcodeId);
    expect(await alice.confirm(created.body.qrcodeId)).toEqual({
      qrcodeId: created.body.qrcodeId,
      status: 'AUTHORIZED',
    });
    const seen = await api.status(created.body.qrcodeId, creatorHeader(created));
    expect(seen.body.status).toBe('AUTHORIZED');
    const login = await api.login(seen.body.ticket, creatorHeader(created));
    expect(login.body.access_token).toBe('session-for-u-alice');
  });

  it('cancels: the code ends as CANCELLED', async () => {
    const { api, url } = current();
    const created = await api.create();
    const bob = phone(url, 'bob');
    await bob.scan(created.body.qrcodeId);
    expect(await bob.cancel(created.body.qrcodeId)).toEqual({ qrcodeId: created.body.qrcodeId, status: 'CANCELLED' });
    expect((await api.status(created.body.qrcodeId)).body.status).toBe('CANCELLED');
  });

  it('carries the server’s code, status and message on every refusal', async () => {
    const { api, url } = current();
    const created = await api.create();
    const id = created.body.qrcodeId;

    const anonymous = await failureOf(phone(url, 'nobody').scan(id));
    expect(anonymous).toMatchObject({
      name: 'QrLoginAppError',
      code: 'QR_APP_USER_UNAUTHENTICATED',
      status: 401,
      retryable: false,
    });
    expect(anonymous.message.length).toBeGreaterThan(10);

    expect(await failureOf(phone(url, 'alice').confirm(id))).toMatchObject({ code: 'QR_WRONG_STATE', status: 409 });
    await phone(url, 'alice').scan(id);
    expect(await failureOf(phone(url, 'bob').scan(id))).toMatchObject({ code: 'QR_ALREADY_SCANNED', status: 409 });
    expect(await failureOf(phone(url, 'bob').confirm(id))).toMatchObject({ code: 'QR_NOT_SCANNER', status: 403 });
    // Same embedded expiry, other random part: a well-formed id of no code.
    const unknown = `${id[0] === 'A' ? 'B' : 'A'}${id.slice(1)}`;
    const missing = await failureOf(phone(url, 'alice').scan(unknown));
    expect(missing).toMatchObject({ code: 'QR_NOT_FOUND', status: 404 });
    expect(isQrLoginAppError(missing, 'QR_NOT_FOUND')).toBe(true);
    expect(isQrLoginAppError(missing, 'QR_EXPIRED')).toBe(false);
  });

  it('names answers that are not the module’s by their HTTP status, and an unreachable server QR_NETWORK_ERROR', async () => {
    const { api, url } = current();
    const created = await api.create();
    const wrongPrefix = await failureOf(
      phone(url, 'alice', { routePrefix: 'not-mounted' }).scan(created.body.qrcodeId),
    );
    expect(wrongPrefix).toMatchObject({ code: 'HTTP_404', status: 404 });

    const offline = await failureOf(
      phone(`http://127.0.0.1:${await closedPort()}`, 'alice').scan(created.body.qrcodeId),
    );
    expect(offline).toMatchObject({ code: 'QR_NETWORK_ERROR', status: 0, retryable: true });
  });

  it('posts a typed user code to the user-code route, as the module’s refusal shows', async () => {
    const { url } = current();
    // No code has this user code: whether the module has the route yet or not, it answers 404.
    const refused = await failureOf(phone(url, 'alice').scanUserCode('WDJB-MJHT'));
    expect(refused.status).toBe(404);
    await expect(phone(url, 'alice').scanUserCode('  ')).rejects.toThrow(/userCode must be a non-empty string/);
  });
});

describeMatrix('the app client with number matching', { numberMatching: true }, (current) => {
  it('offers the choices, refuses a confirm without a pick, and cancels on a wrong one', async () => {
    const { api, url } = current();
    const alice = phone(url, 'alice');

    const first = await api.create();
    const answer = await alice.scan(first.body.qrcodeId);
    expect(answer.matchChoices).toContain(first.body.matchCode);
    expect(await failureOf(alice.confirm(first.body.qrcodeId))).toMatchObject({
      code: 'QR_MATCH_REQUIRED',
      status: 400,
    });
    expect(await alice.confirm(first.body.qrcodeId, { matchCode: first.body.matchCode })).toMatchObject({
      status: 'AUTHORIZED',
    });

    const second = await api.create();
    const choices = (await alice.scan(second.body.qrcodeId)).matchChoices!;
    const wrong = choices.find((choice) => choice !== second.body.matchCode)!;
    expect(await failureOf(alice.confirm(second.body.qrcodeId, { matchCode: wrong }))).toMatchObject({
      code: 'QR_MATCH_FAILED',
      status: 403,
    });
    expect((await api.status(second.body.qrcodeId)).body).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'MATCH_FAILED',
    });
  });
});

/** Each cell's passkey store; the cells run one after another, so the last one made is the current cell's. */
const passkeyStores: MemoryQrLoginPasskeyStore[] = [];
const withPasskeys = () => {
  passkeyStores.push(new MemoryQrLoginPasskeyStore());
  return { passkeys: { rpId: 'localhost', origins: 'http://localhost:1', store: passkeyStores.at(-1)! } };
};

describeMatrix('the app client with passkeys', withPasskeys, (current) => {
  it("lists the user's passkeys (a GET), and refuses a phone without a token", async () => {
    const { url } = current();
    const store = passkeyStores.at(-1)!;
    const alice = phone(url, 'alice');
    expect(await alice.listPasskeys()).toEqual({ passkeys: [] });
    await store.add({ id: 'cred-b', userId: 'u-alice', publicKey: 'k', counter: 0, createdAt: 2_000 });
    await store.add({ id: 'cred-a', userId: 'u-alice', publicKey: 'k', counter: 0, createdAt: 1_000 });
    await store.add({ id: 'cred-bob', userId: 'u-bob', publicKey: 'k', counter: 0, createdAt: 1_500 });
    expect(await alice.listPasskeys()).toEqual({
      passkeys: [
        { id: 'cred-a', createdAt: 1_000 },
        { id: 'cred-b', createdAt: 2_000 },
      ],
    });
    expect((await failureOf(phone(url, 'nobody').listPasskeys())).status).toBe(401);
  });
});

describe('createQrLoginAppClient', () => {
  it('names the method when a proxy answers an error page: GET for the passkey list', async () => {
    const proxy = createHttpServer((_request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = proxy.address() as { port: number };
      const failure = await failureOf(phone(`http://127.0.0.1:${port}`, 'alice').listPasskeys());
      expect(failure).toMatchObject({ status: 502, code: 'HTTP_502' });
      expect(failure.message).toBe(`GET http://127.0.0.1:${port}/qr-login/passkeys answered HTTP 502.`);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('says what is missing', () => {
    expect(() => createQrLoginAppClient({} as never)).toThrow(/needs getAccessToken/);
  });
});
