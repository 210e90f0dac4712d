import { Controller, HttpCode, type INestApplication, Module, Param, Post, UseFilters } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QrLoginError, QrLoginException, QrLoginStoreFullError, QrLoginStoreUnavailableError } from '../../plugin';
import { DeviceGrantErrorFilter } from './device-error.filter';
import { deviceErrors } from './device.errors';

/*
 * How the device grant's endpoints answer a refusal, over real HTTP on both
 * adapters (the filter writes through the adapter, so only an app shows
 * what a client gets): the RFC 6749 §5.2 body, no-store, the Basic
 * challenge and Retry-After, and the kernel's and guards' errors translated.
 */

const THROWN: Record<string, () => unknown> = {
  'basic-client': () => deviceErrors.invalidClient(true),
  'body-client': () => deviceErrors.invalidClient(false),
  'slow-down': () => deviceErrors.slowDown(10),
  'device-rate': () => deviceErrors.rateLimited(7),
  'kernel-rate': () => new QrLoginError('QR_RATE_LIMITED', 'Too many.', { retryAfterSeconds: 3 }),
  'kernel-rate-bare': () => new QrLoginError('QR_RATE_LIMITED', 'Too many.'),
  'guard-rate': () => new QrLoginException(429, 'QR_RATE_LIMITED', 'Too many.', { retryAfterSeconds: 4 }),
  'kernel-invalid': () => new QrLoginError('QR_VALIDATION_FAILED', 'The body must be a form.'),
  'pipe-invalid': () => new QrLoginException(400, 'QR_VALIDATION_FAILED', '"scope" must be text.'),
  'store-down': () => new QrLoginStoreUnavailableError('redis down'),
  'store-full': () => new QrLoginStoreFullError('full', 9_000),
  'kernel-other': () => new QrLoginError('QR_NOT_FOUND', 'No such code.'),
};

@Controller('grant')
@UseFilters(DeviceGrantErrorFilter)
class ThrowingController {
  @Post(':kind')
  @HttpCode(200)
  fail(@Param('kind') kind: string): never {
    throw THROWN[kind]();
  }
}

@Module({ controllers: [ThrowingController], providers: [DeviceGrantErrorFilter] })
class ThrowingModule {}

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string | null>;
}

const UNAVAILABLE = {
  error: 'temporarily_unavailable',
  error_description: 'The login store cannot be reached right now; retry shortly.',
};
const TOO_MANY = (s: number) => ({
  error: 'rate_limited',
  error_description: `Too many requests; try again in ${s} s.`,
});

describe.each(['express', 'fastify'] as const)('DeviceGrantErrorFilter on %s', (adapter) => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ThrowingModule] }).compile();
    app = moduleRef.createNestApplication(adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(), {
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(() => app?.close());

  async function answerTo(kind: string): Promise<Answer> {
    const response = await fetch(`${url}/grant/${kind}`, { method: 'POST' });
    const pick = (name: string) => response.headers.get(name);
    return {
      status: response.status,
      body: await response.json(),
      headers: {
        'cache-control': pick('cache-control'),
        pragma: pick('pragma'),
        'www-authenticate': pick('www-authenticate'),
        'retry-after': pick('retry-after'),
      },
    };
  }

  const plain = { 'cache-control': 'no-store', pragma: 'no-cache', 'www-authenticate': null, 'retry-after': null };

  it('answers a device refusal as its OAuth body, not cached, with the Basic challenge after a Basic attempt', async () => {
    const basic = await answerTo('basic-client');
    expect(basic).toStrictEqual({
      status: 401,
      body: {
        error: 'invalid_client',
        error_description: expect.stringMatching(/^Client authentication failed/),
      },
      headers: { ...plain, 'www-authenticate': 'Basic realm="device"' },
    });
    expect((await answerTo('body-client')).headers).toStrictEqual(plain);
    expect(await answerTo('slow-down')).toStrictEqual({
      status: 400,
      body: { error: 'slow_down', error_description: 'Polled too soon: wait at least 10 s between polls from now on.' },
      headers: plain,
    });
  });

  it('sends Retry-After with a rate limit, from the device refusal or the kernel and its guard (1 s when none is given)', async () => {
    expect(await answerTo('device-rate')).toStrictEqual({
      status: 429,
      body: TOO_MANY(7),
      headers: { ...plain, 'retry-after': '7' },
    });
    expect(await answerTo('kernel-rate')).toStrictEqual({
      status: 429,
      body: TOO_MANY(3),
      headers: { ...plain, 'retry-after': '3' },
    });
    expect(await answerTo('kernel-rate-bare')).toStrictEqual({
      status: 429,
      body: TOO_MANY(1),
      headers: { ...plain, 'retry-after': '1' },
    });
    expect(await answerTo('guard-rate')).toStrictEqual({
      status: 429,
      body: TOO_MANY(4),
      headers: { ...plain, 'retry-after': '4' },
    });
  });

  it('answers a validation refusal as invalid_request with its message', async () => {
    expect(await answerTo('kernel-invalid')).toStrictEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: 'The body must be a form.' },
      headers: plain,
    });
    expect((await answerTo('pipe-invalid')).body).toStrictEqual({
      error: 'invalid_request',
      error_description: '"scope" must be text.',
    });
  });

  it('answers the store failing, and anything else, as temporarily_unavailable for 5 s', async () => {
    for (const kind of ['store-down', 'store-full', 'kernel-other']) {
      expect(await answerTo(kind)).toStrictEqual({
        status: 503,
        body: UNAVAILABLE,
        headers: { ...plain, 'retry-after': '5' },
      });
    }
  });
});
