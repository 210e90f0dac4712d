import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PNG_SIGNATURE } from '../../../test/wechat/wechat-test-app';
import { callWechat, imageTypeOf, wechatApiErrorOf } from './wechat-api.transport';
import { WechatApiError } from './wechat.errors';

/*
 * One call to a WeChat API over real HTTP on loopback: what is sent (method,
 * path, query, JSON body), what an answer becomes (JSON, image bytes, or
 * errcode -1 with a reason that never holds the URL).
 */

interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A loopback server answering every request with `answer`; records what it got. */
async function serve(answer: (response: ServerResponse) => void): Promise<{ baseUrl: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        contentType: request.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      answer(response);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const send = (status: number, type: string | undefined, body: Buffer | string) => (response: ServerResponse) => {
  response.writeHead(status, type === undefined ? {} : { 'content-type': type });
  response.end(body);
};

/** The WechatApiError a call ends with, as "api errcode: errmsg". */
async function failure(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return 'no error';
  } catch (error) {
    expect(error).toBeInstanceOf(WechatApiError);
    const e = error as WechatApiError;
    return `${e.api} ${e.errcode}: ${e.errmsg}`;
  }
}

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]);
const PNG = Buffer.concat([PNG_SIGNATURE, Buffer.from([0, 0, 0, 13])]);

describe('callWechat', () => {
  it('GETs base URL + api with the query, no body and no content type; answers the JSON', async () => {
    const server = await serve(send(200, 'text/plain', '{"openid":"o1"}'));
    const answer = await callWechat({ baseUrl: server.baseUrl, requestTimeoutMs: 5000 }, 'sns/jscode2session', {
      method: 'GET',
      query: { appid: 'wx1', js_code: 'a b&c' },
    });
    expect(answer).toEqual({ json: { openid: 'o1' } });
    expect(server.seen).toEqual([
      { method: 'GET', url: '/sns/jscode2session?appid=wx1&js_code=a+b%26c', contentType: undefined, body: '' },
    ]);
  });

  it('POSTs a JSON body with its content type', async () => {
    const server = await serve(send(200, 'application/json', '{"errcode":0}'));
    await callWechat({ baseUrl: server.baseUrl, requestTimeoutMs: 5000 }, 'cgi-bin/qrcode/create', {
      method: 'POST',
      query: { access_token: 'T' },
      json: { scene: 'x' },
    });
    expect(server.seen).toEqual([
      {
        method: 'POST',
        url: '/cgi-bin/qrcode/create?access_token=T',
        contentType: 'application/json',
        body: '{"scene":"x"}',
      },
    ]);
    const bare = await serve(send(200, 'application/json', '{}'));
    await callWechat({ baseUrl: bare.baseUrl, requestTimeoutMs: 5000 }, 'x/y', { method: 'POST' });
    expect(bare.seen[0]).toMatchObject({ url: '/x/y', contentType: undefined, body: '' });
  });

  it('answers PNG or JPEG bytes as an image, unless the type says JSON', async () => {
    for (const [bytes, type] of [
      [PNG, 'image/png'],
      [JPEG, 'image/jpeg'],
      [PNG, undefined],
    ] as const) {
      const server = await serve(send(200, type, bytes));
      const answer = await callWechat({ baseUrl: server.baseUrl, requestTimeoutMs: 5000 }, 'wxa/x', { method: 'GET' });
      expect(answer).toEqual({ image: bytes });
    }
    const typed = await serve(send(200, 'Application/JSON', PNG));
    expect(
      await failure(callWechat({ baseUrl: typed.baseUrl, requestTimeoutMs: 5000 }, 'wxa/x', { method: 'GET' })),
    ).toBe('wxa/x -1: HTTP 200 with a Application/JSON body that is neither JSON nor an image');
  });

  it('turns a body that is neither JSON nor an image into errcode -1, naming the status and type', async () => {
    const html = await serve(send(502, 'text/html', '<h1>Bad gateway</h1>'));
    expect(await failure(callWechat({ baseUrl: html.baseUrl, requestTimeoutMs: 5000 }, 'a/b', { method: 'GET' }))).toBe(
      'a/b -1: HTTP 502 with a text/html body that is neither JSON nor an image',
    );
    const untyped = await serve(send(500, undefined, 'oops'));
    expect(
      await failure(callWechat({ baseUrl: untyped.baseUrl, requestTimeoutMs: 5000 }, 'a/b', { method: 'GET' })),
    ).toBe('a/b -1: HTTP 500 with a untyped body that is neither JSON nor an image');
  });

  it('turns an unreachable server into errcode -1 "unreachable", without the URL', async () => {
    const gone = await serve(send(200, 'text/plain', '{}'));
    const server = servers.pop()!;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    expect(
      await failure(
        callWechat({ baseUrl: gone.baseUrl, requestTimeoutMs: 5000 }, 'sns/jscode2session', {
          method: 'GET',
          query: { secret: 'TOPSECRET' },
        }),
      ),
    ).toBe('sns/jscode2session -1: unreachable');
  });

  it('gives up on a server that never answers after the timeout, saying how long it waited', async () => {
    // The server holds the request forever: only the timeout can end the call.
    const silent = await serve(() => undefined);
    expect(
      await failure(callWechat({ baseUrl: silent.baseUrl, requestTimeoutMs: 20 }, 'cgi-bin/token', { method: 'GET' })),
    ).toBe('cgi-bin/token -1: no answer within 0.02 s');
  });
});

describe('wechatApiErrorOf', () => {
  it("keeps WeChat's errcode and errmsg", () => {
    const error = wechatApiErrorOf('a/b', { errcode: 40029, errmsg: 'invalid code' });
    expect(error).toMatchObject({ api: 'a/b', errcode: 40029, errmsg: 'invalid code' });
  });

  it('makes errcode -1 of a missing, non-numeric or zero errcode, and names a missing errmsg', () => {
    const missing = 'an answer without the expected fields';
    expect(wechatApiErrorOf('a/b', undefined)).toMatchObject({ errcode: -1, errmsg: missing });
    expect(wechatApiErrorOf('a/b', { errcode: '40029', errmsg: 7 })).toMatchObject({ errcode: -1, errmsg: missing });
    expect(wechatApiErrorOf('a/b', { errcode: 0, errmsg: 'ok' })).toMatchObject({ errcode: -1, errmsg: 'ok' });
  });
});

describe('imageTypeOf', () => {
  it('knows a PNG by its 8-byte signature and a JPEG by its 3 first bytes', () => {
    expect(imageTypeOf(PNG_SIGNATURE)).toBe('image/png');
    expect(imageTypeOf(PNG_SIGNATURE.subarray(0, 7))).toBeUndefined();
    expect(imageTypeOf(Buffer.concat([Buffer.from([0]), PNG_SIGNATURE]))).toBeUndefined();
    expect(imageTypeOf(JPEG.subarray(0, 3))).toBe('image/jpeg');
    expect(imageTypeOf(JPEG.subarray(0, 2))).toBeUndefined();
    expect(imageTypeOf(Buffer.from([0xfe, 0xd8, 0xff]))).toBeUndefined();
    expect(imageTypeOf(Buffer.from([0xff, 0xd9, 0xff]))).toBeUndefined();
    expect(imageTypeOf(Buffer.from([0xff, 0xd8, 0xfe]))).toBeUndefined();
    expect(imageTypeOf(Buffer.from('{"errcode":1}'))).toBeUndefined();
  });
});
