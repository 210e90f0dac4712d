import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp } from '../app/test-app';
import { asUser, nativeClient, request } from '../support/http';

/** Bad input of every kind must be a 4xx with a JSON body, never a 5xx, and the app must keep serving. */
describe.each(ADAPTERS)('malformed input on %s', (adapter) => {
  let app: Awaited<ReturnType<typeof createTestApp>>['app'];
  let api: ReturnType<typeof nativeClient>;

  beforeAll(async () => {
    const started = await createTestApp({ adapter, options: { maxCustomDataBytes: 256 } });
    app = started.app;
    api = nativeClient(started.url);
  });
  afterAll(() => app.close());

  const post = (path: string, body: string, contentType = 'application/json', headers: Record<string, string> = {}) =>
    request(`${api.root}${path}`, { method: 'POST', body, headers: { 'content-type': contentType, ...headers } });

  it('answers 400 with QR_VALIDATION_FAILED for wrong field types and values', async () => {
    for (const body of [
      { type: 'SMOKE_SIGNAL' },
      { type: 42 },
      { customData: 'text' },
      { customData: [1, 2] },
      { context: 7 },
    ]) {
      const response = await api.create(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body).toMatchObject({
        statusCode: 400,
        code: 'QR_VALIDATION_FAILED',
        message: expect.any(String),
      });
    }
  });

  it('refuses code types this module does not serve with 400', async () => {
    const response = await api.create({ type: 'WECHAT_MINIPROGRAM' });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('QR_VALIDATION_FAILED');
  });

  it('answers 413 with QR_PAYLOAD_TOO_LARGE for customData over the limit', async () => {
    const response = await api.create({ customData: { blob: 'x'.repeat(300) } });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('QR_PAYLOAD_TOO_LARGE');
  });

  it('takes customData and context of exactly maxCustomDataBytes (256) and refuses one byte more with 413', async () => {
    // {"blob":"…"} is 11 bytes around the text.
    for (const field of ['customData', 'context']) {
      const fits = await api.create({ [field]: { blob: 'x'.repeat(245) } });
      expect(fits.status, field).toBe(201);
      const over = await api.create({ [field]: { blob: 'x'.repeat(246) } });
      expect([over.status, over.body.code], field).toEqual([413, 'QR_PAYLOAD_TOO_LARGE']);
    }
  });

  it('takes customData and context exactly maxCustomDataDepth (default 8) deep and refuses one level more with 400', async () => {
    const nested = (levels: number) => {
      let value: unknown = 1;
      for (let level = 1; level < levels; level++) value = { a: value };
      return value;
    };
    for (const field of ['customData', 'context']) {
      expect((await api.create({ [field]: nested(8) })).status, field).toBe(201);
      const deeper = await api.create({ [field]: nested(9) });
      expect([deeper.status, deeper.body.code], field).toEqual([400, 'QR_VALIDATION_FAILED']);
      expect(deeper.body.message).toContain('nested deeper than 8 levels');
    }
  });

  it('answers 4xx, never 5xx, to broken bodies, odd ids and huge payloads', async () => {
    const huge = JSON.stringify({ customData: { blob: 'x'.repeat(3 * 1024 * 1024) } });
    const oddIds = ['%00', '..%2F..%2Fetc', 'x'.repeat(2000), '%F0%9F%98%80', 'a.b', '"quoted"'];
    const attempts = [
      post('/qrcodes', '{bad json'),
      post('/qrcodes', '[]'),
      post('/qrcodes', 'null'),
      post('/qrcodes', '"string"'),
      post('/qrcodes', 'customData=1', 'application/x-www-form-urlencoded'),
      post('/qrcodes', huge),
      post('/login', '{bad json'),
      post('/login', '[]'),
      post('/login', JSON.stringify({ ticket: { $gt: '' } })),
      post('/login', JSON.stringify({ ticket: 'x'.repeat(100_000) })),
      ...oddIds.map((id) => api.status(id)),
      ...oddIds.map((id) => api.act(id, 'scan', asUser('alice'))),
      ...oddIds.map((id) => request(api.eventsUrl(id))),
    ];
    const responses = await Promise.all(attempts);
    responses.forEach((response, i) => {
      expect(response.status, `attempt ${i}: ${JSON.stringify(response.body)?.slice(0, 200)}`).toBeGreaterThanOrEqual(
        400,
      );
      expect(response.status, `attempt ${i}`).toBeLessThan(500);
    });
    // Still serving afterwards.
    expect((await api.create()).status).toBe(201);
  });

  it('answers plain-text or empty bodies on create as an empty request', async () => {
    const empty = await request(`${api.root}/qrcodes`, { method: 'POST' });
    expect(empty.status).toBe(201);
    expect(empty.body.qrcodeId).toMatch(/^[\w-]{27}$/);
  });
});
