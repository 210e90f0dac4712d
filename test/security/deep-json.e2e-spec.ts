import type { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QrLoginModule } from '../../lib';
import { QrLoginGenAuthModule } from '../../lib/plugins/genauth';
import { QrLoginWechatModule } from '../../lib/plugins/wechat';
import { ADAPTERS, fixtureOptions } from '../app/test-app';
import { asUser, request } from '../support/http';
import { fixtureConnections, startFakeWechat, WechatUsers } from '../wechat/wechat-test-app';
import type { FakeWechatServer } from '../wechat/fake-wechat.server';

/*
 * JSON nested 5 000 levels deep, as objects and as arrays, in `customData`,
 * in `context` and as the whole body, sent to every route that takes a body:
 * each answers a 4xx with a clear code, never a 5xx (class-transformer and
 * JSON.stringify recurse, so a depth check that runs after them would be too late).
 */

const LEVELS = 5_000;
const deepObject = '{"a":'.repeat(LEVELS) + '1' + '}'.repeat(LEVELS);
const deepArray = '['.repeat(LEVELS) + ']'.repeat(LEVELS);
const ID = 'A'.repeat(27);
const TICKET = `${ID}.${'b'.repeat(43)}`;

/** The bodies of one route: its ordinary fields, with the deep value put in each place a caller could put it. */
function bodiesFor(fields: Record<string, unknown>): Array<[string, string]> {
  const plain = JSON.stringify(fields).slice(1, -1);
  const withField = (name: string, deep: string) => `{${plain}${plain ? ',' : ''}"${name}":${deep}}`;
  return [
    ['customData (objects)', withField('customData', deepObject)],
    ['customData (arrays)', withField('customData', deepArray)],
    ['context (objects)', withField('context', deepObject)],
    ['context (arrays)', withField('context', deepArray)],
    ['a field of its own (objects)', withField(Object.keys(fields)[0] ?? 'ticket', deepObject)],
    ['the whole body (objects)', deepObject],
    ['the whole body (arrays)', deepArray],
  ];
}

type Family = 'native' | 'genauth-v3' | 'genauth-v2' | 'wechat';

/** Every route that takes a JSON body, with what it needs to get past its guards to the body. */
const ROUTES: Array<[string, Family, Record<string, unknown>, Record<string, string>]> = [
  ['/qr-login/qrcodes', 'native', { type: 'MOBILE_APP' }, {}],
  [`/qr-login/qrcodes/${ID}/confirm`, 'native', { matchCode: '12' }, asUser('alice')],
  ['/qr-login/login', 'native', { ticket: TICKET }, {}],
  ['/api/v3/gene-qrcode', 'genauth-v3', { type: 'MOBILE_APP' }, {}],
  ['/api/v3/change-qrcode-status', 'genauth-v3', { qrcodeId: ID, action: 'SCAN' }, asUser('alice')],
  ['/api/v3/set-qrcode-status', 'genauth-v3', { qrcodeId: ID, action: 'SCAN' }, asUser('alice')],
  ['/api/v3/exchange-tokenset-with-qrcode-ticket', 'genauth-v3', { ticket: TICKET }, {}],
  ['/api/v2/qrcode/gene', 'genauth-v2', { scene: 'APP_AUTH' }, {}],
  ['/api/v2/qrcode/userinfo', 'genauth-v2', { ticket: TICKET }, {}],
  ['/api/v2/qrcode/scanned', 'genauth-v2', { random: ID }, asUser('alice')],
  ['/api/v2/qrcode/confirm', 'genauth-v2', { random: ID }, asUser('alice')],
  ['/api/v2/qrcode/cancel', 'genauth-v2', { random: ID }, asUser('alice')],
  ['/qr-login/wechat/miniprogram/scan', 'wechat', { qrcodeId: ID, code: 'wx-code' }, {}],
  ['/qr-login/wechat/miniprogram/confirm', 'wechat', { qrcodeId: ID, code: 'wx-code' }, {}],
  ['/qr-login/wechat/miniprogram/cancel', 'wechat', { qrcodeId: ID, code: 'wx-code' }, {}],
];

/** The refusal's status: GenAuth answers HTTP 200 and puts it in its envelope (`statusCode` in V3, `code` in V2). */
function refusalStatus(family: Family, reply: { status: number; body: any }): number {
  if (family === 'genauth-v3') return reply.body?.statusCode;
  if (family === 'genauth-v2') return reply.body?.code;
  return reply.status;
}

describe.each(ADAPTERS)('deeply nested JSON on every route that takes a body (%s)', (adapter) => {
  let fake: FakeWechatServer;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    fake = await startFakeWechat();
    const moduleRef = await Test.createTestingModule({
      imports: [
        QrLoginModule.forRoot(fixtureOptions()),
        QrLoginGenAuthModule.forRoot({ v3: true, v2: true }),
        QrLoginWechatModule.forRoot({
          connections: fixtureConnections(fake),
          findOrCreateUser: new WechatUsers().findOrCreateUser,
          baseUrl: fake.url,
          showQrCodeUrl: `${fake.url}/cgi-bin/showqrcode`,
          requestTimeout: 5,
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication(adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(), {
      logger: false,
      forceCloseConnections: true,
    });
    await app.listen(0, '127.0.0.1');
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
  });

  const cases = ROUTES.flatMap(([path, family, fields, headers]) =>
    bodiesFor(fields).map(([where, body]) => [path, where, family, body, headers] as const),
  );

  it.each(cases)('POST %s with %s → 4xx', async (path, _where, family, body, headers) => {
    const reply = await request(`${base}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBeLessThan(500);
    const status = refusalStatus(family, reply);
    expect(status, JSON.stringify(reply.body)).toBeGreaterThanOrEqual(400);
    expect(status, JSON.stringify(reply.body)).toBeLessThan(500);
    // A clear, stable code says what was wrong. The ticket strategy behind /login reads only a string
    // `ticket` and never walks the rest, so there the answer is about the ticket.
    const text = JSON.stringify(reply.body);
    expect(text).toMatch(
      path === '/qr-login/login' ? /"code":"QR_TICKET_(MISSING|INVALID)"/ : /QR_VALIDATION_FAILED|nested deeper/,
    );
  });

  it('still serves every family afterwards', async () => {
    expect((await request(`${base}/qr-login/qrcodes`, { json: { customData: { a: { b: 1 } } } })).status).toBe(201);
    expect((await request(`${base}/api/v3/gene-qrcode`, { json: { type: 'MOBILE_APP' } })).body.statusCode).toBe(200);
    expect((await request(`${base}/api/v2/qrcode/gene`, { json: { scene: 'APP_AUTH' } })).body.code).toBe(200);
  });
});
