import type { INestApplication } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import type { SampleAppOptions } from '../../sample/sample.app';
import { startSampleApp } from '../support/sample-app';
import { request } from '../support/http';

/*
 * The sample's password logins (the browser's /auth/login and the phone
 * app's /auth/app/login) refuse absurdly nested JSON with a 4xx and a stable
 * code rather than a 500, and take a bounded number of guesses per address
 * (`@nestjs/throttler`, `loginLimit` a minute).
 */
const LEVELS = 5_000;
const DEEP = {
  objects: '{"username":' + '{"a":'.repeat(LEVELS) + '1' + '}'.repeat(LEVELS) + ',"password":"x"}',
  arrays: '['.repeat(LEVELS) + ']'.repeat(LEVELS),
  'the whole body': '{"a":'.repeat(LEVELS) + '1' + '}'.repeat(LEVELS),
};
const ROUTES = ['/auth/login', '/auth/app/login'] as const;

describe.each(['express', 'fastify'] as const)('the sample password logins on %s', (adapter) => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(options: Partial<SampleAppOptions> = {}): Promise<string> {
    const started = await startSampleApp({ adapter, ...options });
    app = started.app;
    return started.url;
  }

  it.each(ROUTES)('%s answers 400 LOGIN_BODY_TOO_DEEP to JSON nested 5 000 levels, and still logs in', async (path) => {
    const url = await start();
    for (const [where, body] of Object.entries(DEEP)) {
      const reply = await request(`${url}${path}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      expect([where, reply.status, reply.body?.code]).toEqual([where, 400, 'LOGIN_BODY_TOO_DEEP']);
    }
    const login = await request(`${url}${path}`, { json: { username: 'alice', password: 'wonderland' } });
    expect(login.status).toBe(200);
  });

  it.each(ROUTES)('%s takes loginLimit tries a minute per address, and answers 429 to the next', async (path) => {
    const url = await start({ loginLimit: 3 });
    const tries = [];
    for (let i = 0; i < 3; i++) {
      tries.push((await request(`${url}${path}`, { json: { username: 'alice', password: `guess-${i}` } })).status);
    }
    // At the limit: every try was judged on its password.
    expect(tries).toEqual([401, 401, 401]);
    // One past it: refused before the password is looked at, even the right one.
    const past = await request(`${url}${path}`, { json: { username: 'alice', password: 'wonderland' } });
    expect(past.status).toBe(429);
    expect(Number(past.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(past.body.access_token).toBeUndefined();
  });

  it('is off with the module rate limits (RATE_LIMIT=off, load tests from one address)', async () => {
    const url = await start({ loginLimit: 1, rateLimit: false });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await request(`${url}/auth/login`, { json: { username: 'bob', password: 'builder' } })).status);
    }
    expect(statuses).toEqual([200, 200, 200]);
  });
});
