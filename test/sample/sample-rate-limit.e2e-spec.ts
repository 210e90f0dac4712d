import type { INestApplication } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { createSampleApp } from '../../sample/sample.app';
import { readSampleEnv } from '../../sample/sample.env';
import { request } from '../support/http';

/*
 * `RATE_LIMIT=off` is for load tests against `npm start`, which send every
 * request from one address. The sample reads it as `npm start` does
 * (`readSampleEnv`), and a burst of creates from one address goes through
 * with it and is limited without it (the module's default: 30 creates a minute).
 */
describe.each(['express', 'fastify'] as const)('the sample under a burst from one address (%s)', (adapter) => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function burst(env: NodeJS.ProcessEnv, count: number): Promise<number[]> {
    const read = readSampleEnv({ ...env, HTTP_ADAPTER: adapter, PORT: '0' });
    let url: string;
    ({ app, url } = await createSampleApp({ ...read, host: '127.0.0.1', publicUrl: undefined, logger: false }));
    const statuses: number[] = [];
    // One after another, so the count is exact rather than a race between concurrent requests.
    for (let i = 0; i < count; i++) statuses.push((await request(`${url}/qr-login/qrcodes`, { json: {} })).status);
    return statuses;
  }

  it('is limited with the default settings', async () => {
    const statuses = await burst({}, 40);
    expect(statuses.slice(0, 30).every((s) => s === 201)).toBe(true);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
  });

  it('is not limited with RATE_LIMIT=off', async () => {
    const statuses = await burst({ RATE_LIMIT: 'off' }, 40);
    expect(statuses.filter((s) => s !== 201)).toEqual([]);
  });
});
