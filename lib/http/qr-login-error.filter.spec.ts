import { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { HttpAdapterHost, type AbstractHttpAdapter } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { describe, expect, it } from 'vitest';
import { QrLoginStoreFullError, QrLoginStoreUnavailableError, qrErrors } from '../kernel/qr-login.errors';
import { QrLoginErrorFilter } from './qr-login-error.filter';
import { QrLoginException } from './qr-login.exception';

/*
 * The refusals of the module's routes as they leave the process, on either
 * adapter: status, `Retry-After` and the `{ statusCode, code, message }`
 * body, read from the bytes a Node response writes to its connection (a
 * stream standing in for the socket: no server listens).
 */

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const EXPRESS = new ExpressAdapter();

/** A request and response pair whose connection is a stream; `answer()` parses what was written. */
function exchange(adapter: 'express' | 'fastify') {
  const connection = new PassThrough();
  let written = '';
  connection.on('data', (chunk: Buffer) => (written += chunk.toString('utf8')));
  const request = new IncomingMessage(connection as never);
  request.method = 'POST';
  const response = new ServerResponse(request);
  response.assignSocket(connection as never);
  if (adapter === 'express') {
    // The prototype and links Express gives its responses, as its adapter's app would.
    Object.setPrototypeOf(response, EXPRESS.getInstance().response);
    Object.assign(response, { req: request, app: EXPRESS.getInstance() });
  }
  const answer = async (): Promise<Answer> => {
    await new Promise((resolve) => setImmediate(resolve));
    const [head = '', body = ''] = written.split('\r\n\r\n');
    const [statusLine = '', ...lines] = head.split('\r\n');
    const headers = Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
    );
    return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) };
  };
  return { request, response, answer };
}

const ADAPTERS: Array<[string, 'express' | 'fastify', AbstractHttpAdapter]> = [
  ['express', 'express', EXPRESS],
  ['fastify', 'fastify', new FastifyAdapter()],
];

describe.each(ADAPTERS)('QrLoginErrorFilter on %s', (_name, kind, adapter) => {
  const host = new HttpAdapterHost();
  host.httpAdapter = adapter;
  const filter = new QrLoginErrorFilter(host);

  async function answerTo(error: unknown): Promise<Answer> {
    const { request, response, answer } = exchange(kind);
    filter.catch(error, new ExecutionContextHost([request, response]));
    return answer();
  }

  it('answers a kernel refusal with its status and stable code, and no Retry-After', async () => {
    const answer = await answerTo(qrErrors.notFound());
    expect(answer.status).toBe(404);
    expect(answer.body).toStrictEqual({ statusCode: 404, code: 'QR_NOT_FOUND', message: qrErrors.notFound().message });
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.headers).not.toHaveProperty('retry-after');
  });

  it('answers a rate limit with Retry-After in seconds', async () => {
    const answer = await answerTo(qrErrors.rateLimited(42));
    expect([answer.status, answer.headers['retry-after']]).toEqual([429, '42']);
    expect(answer.body).toMatchObject({ statusCode: 429, code: 'QR_RATE_LIMITED' });
  });

  it("answers a plugin's own exception as it is, Retry-After included", async () => {
    const own = new QrLoginException(403, 'QR_WECHAT_SOMETHING', 'Say how to fix it.', { retryAfterSeconds: 3 });
    const answer = await answerTo(own);
    expect([answer.status, answer.headers['retry-after']]).toEqual([403, '3']);
    expect(answer.body).toStrictEqual({ statusCode: 403, code: 'QR_WECHAT_SOMETHING', message: 'Say how to fix it.' });
  });

  it("answers an unreachable store as 503 without the store's message (it may name the backend and its password)", async () => {
    const answer = await answerTo(new QrLoginStoreUnavailableError('connect ECONNREFUSED redis://:hunter2@10.0.0.5'));
    expect(answer.status).toBe(503);
    expect(answer.body).toStrictEqual({
      statusCode: 503,
      code: 'QR_STORE_UNAVAILABLE',
      message: qrErrors.storeUnavailable().message,
    });
    expect(JSON.stringify(answer)).not.toContain('hunter2');
    expect(answer.headers).not.toHaveProperty('retry-after');
  });

  it('answers a full store as 503 with Retry-After', async () => {
    const answer = await answerTo(new QrLoginStoreFullError('full', 2_500));
    expect([answer.status, answer.headers['retry-after']]).toEqual([503, '3']);
    expect(answer.body).toMatchObject({ code: 'QR_STORE_FULL' });
  });
});
