import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ADAPTERS } from '../../../test/app/test-app';
import { closedAfterEach } from '../../../test/support/closed-after-each';
import { memoryStoreKind } from '../../../test/support/stores';
import { startOfficialAccountApp, type OfficialAccountHarness } from '../../../test/wechat/official-account-harness';
import { OA } from '../../../test/wechat/wechat-test-app';
import { wechatSignature } from './wechat-crypto';

/*
 * The official account's webhook over real HTTP on each adapter: the
 * server-URL check, the push route's answers and headers, and each refusal
 * (status, code, message, and its report on events$). An app is started in
 * each test.
 */

const keep = closedAfterEach<OfficialAccountHarness>();

const STALE =
  "The WeChat push's timestamp is more than 300 s from now; a push URL cannot be replayed later. If WeChat's own pushes hit this, fix the server's clock (NTP) or raise \"pushTimestampWindow\".";

/** The PUSH reports on events$, as [type, code, source, qrcodeId]. */
const pushReports = (h: OfficialAccountHarness) =>
  h.events.filter((e: any) => e.action === 'PUSH').map((e: any) => [e.type, e.code, e.source, e.qrcodeId]);

describe.each(ADAPTERS)('the official-account webhook on %s', (adapter) => {
  const start = async (opts: Parameters<typeof startOfficialAccountApp>[0] = {}) =>
    keep(await startOfficialAccountApp({ adapter, ...opts }));

  it('echoes echostr to a signed server-URL check, as plain text that is not cached', async () => {
    const h = await start();
    const ts = String(Math.floor(h.clock.now() / 1000));
    const query = new URLSearchParams({ signature: wechatSignature(OA.token, ts, '17'), timestamp: ts, nonce: '17' });
    const answer = await fetch(`${h.webhook()}?${query}&echostr=echo-1`);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('echo-1');
    expect(answer.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    // An echostr given twice is no string: nothing is echoed.
    const twice = await fetch(`${h.webhook()}?${query}&echostr=a&echostr=b`);
    expect([twice.status, await twice.text()]).toEqual([200, '']);
  });

  it('refuses a server-URL check that is unsigned, stale or for an unknown connection', async () => {
    const h = await start();
    const bad = await h.fake.verifyServerUrl(h.webhook(), 'wrongToken', 'echo-2');
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body)).toMatchObject({ statusCode: 401, code: 'QR_WECHAT_SIGNATURE_INVALID' });
    const old = String(Math.floor(h.clock.now() / 1000) - 301);
    const query = new URLSearchParams({
      signature: wechatSignature(OA.token, old, '5'),
      timestamp: old,
      nonce: '5',
      echostr: 'echo-3',
    });
    const stale = await fetch(`${h.webhook()}?${query}`);
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ code: 'QR_WECHAT_PUSH_STALE', message: STALE });
    for (const id of ['nope', 'mini']) {
      const unknown = await h.fake.verifyServerUrl(h.webhook(id), OA.token, 'echo-4');
      expect(unknown.status).toBe(400);
      expect(JSON.parse(unknown.body)).toMatchObject({
        code: 'QR_WECHAT_CONNECTION_NOT_FOUND',
        message: `No enabled WECHAT_OFFICIAL_ACCOUNT connection has the id "${id}"; use the id of one of QrLoginWechatModule's "connections".`,
      });
    }
  });

  it('answers a push that is not about a code "success" as plain text, and a prompt as XML; neither cached', async () => {
    const h = await start();
    const ignored = await h.push({ event: 'subscribe' });
    expect(ignored).toMatchObject({ status: 200, body: 'success', contentType: 'text/plain; charset=utf-8' });
    const created = await h.api.create({ type: 'WECHAT_OFFICIAL_ACCOUNT' });
    const prompted = await h.push({ event: 'SCAN', eventKey: created.body.qrcodeId });
    expect(prompted.status).toBe(200);
    expect(prompted.contentType).toBe('application/xml; charset=utf-8');
    expect(h.replyOf(prompted)).toMatch(/^Log in to Fixture Web\?\n/);
    // A plain-mode push sent by hand, to read every header of the answer.
    const ts = String(Math.floor(h.clock.now() / 1000));
    const query = new URLSearchParams({ signature: wechatSignature(OA.token, ts, '99'), timestamp: ts, nonce: '99' });
    const body = `<xml><ToUserName><![CDATA[${OA.originalId}]]></ToUserName><FromUserName><![CDATA[o-9]]></FromUserName><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>`;
    const answer = await fetch(`${h.webhook('oa-plain')}?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body,
    });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('success');
    expect(answer.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('reports an accepted push with its scene, and a refused one with its code; a replay is refused on every connection with that token', async () => {
    const h = await start();
    const created = await h.api.create({ type: 'WECHAT_OFFICIAL_ACCOUNT' });
    const id = created.body.qrcodeId;
    const forged = await h.push({ event: 'SCAN', eventKey: id, tamper: 'signature' });
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.body)).toMatchObject({
      code: 'QR_WECHAT_SIGNATURE_INVALID',
      message:
        'The WeChat signature does not match; check that the connection\'s "token" (and "encodingAESKey") equal the official account\'s server configuration.',
    });
    const first = await h.push({ event: 'SCAN', eventKey: id, openid: 'o-1' });
    expect(first.status).toBe(200);
    const again = await h.fake.send(h.webhook(), first.query, first.sentBody);
    expect(again.status).toBe(401);
    expect(JSON.parse(again.body)).toMatchObject({
      code: 'QR_WECHAT_PUSH_REPLAYED',
      message: 'This WeChat push (timestamp and nonce) was received already; each push is accepted once.',
    });
    const elsewhere = await h.fake.send(h.webhook('oa-scan'), first.query, first.sentBody);
    expect(JSON.parse(elsewhere.body).code).toBe('QR_WECHAT_PUSH_REPLAYED');
    const unknown = await h.push({ event: 'SCAN', eventKey: id }, 'nope');
    expect(unknown.status).toBe(400);
    expect(pushReports(h)).toEqual([
      ['refused', 'QR_WECHAT_SIGNATURE_INVALID', 'wechat:oa', ''],
      ['accepted', undefined, 'wechat:oa', id],
      ['refused', 'QR_WECHAT_PUSH_REPLAYED', 'wechat:oa', id],
      ['refused', 'QR_WECHAT_PUSH_REPLAYED', 'wechat:oa-scan', id],
      ['refused', 'QR_WECHAT_CONNECTION_NOT_FOUND', 'wechat:nope', ''],
    ]);
    expect((await h.api.status(id)).body.status).toBe('SCANNED');
  });
});

describe('the push memory and the per-user limit', () => {
  it('remembers each push under a digest of the token, the timestamp and the nonce, for twice the window', async () => {
    const store = memoryStoreKind.make();
    const remembered: [string, number][] = [];
    const remember = store.rememberOnce.bind(store);
    store.rememberOnce = (key, ttlMs) => {
      remembered.push([key, ttlMs]);
      return remember(key, ttlMs);
    };
    const h = keep(await startOfficialAccountApp({ core: { store }, wechat: { pushTimestampWindow: 120 } }));
    const pushed = await h.push({ event: 'subscribe', nonce: '777' });
    expect(pushed.status).toBe(200);
    const ts = new URLSearchParams(pushed.query).get('timestamp');
    const digest = createHash('sha256').update(OA.token, 'utf8').digest('base64url');
    expect(remembered.filter(([key]) => key.startsWith('wechat-push:'))).toEqual([
      [`wechat-push:${digest}:${ts}:777`, 240_000],
    ]);
    // Another nonce at the same second is another push.
    expect((await h.push({ event: 'subscribe', nonce: '778', timestamp: ts! })).status).toBe(200);
  });

  it('limits pushes per WeChat user of a connection with the appAction rule', async () => {
    const h = keep(await startOfficialAccountApp({ core: { rateLimit: { appAction: { limit: 1, window: 60 } } } }));
    expect((await h.push({ event: 'subscribe', openid: 'o-1' })).status).toBe(200);
    const limited = await h.push({ event: 'subscribe', openid: 'o-1' });
    expect(limited.status).toBe(429);
    expect(JSON.parse(limited.body).code).toBe('QR_RATE_LIMITED');
    expect((await h.push({ event: 'subscribe', openid: 'o-2' })).status).toBe(200);
    expect((await h.push({ event: 'subscribe', openid: 'o-1' }, 'oa-scan')).status).toBe(200);
    // A push naming no sender is limited for nobody.
    expect((await h.push({ event: 'subscribe', openid: '' })).status).toBe(200);
    expect((await h.push({ event: 'subscribe', openid: '' })).status).toBe(200);
    expect(pushReports(h).map(([type, code]) => `${type} ${code ?? ''}`)).toEqual([
      'accepted ',
      'refused QR_RATE_LIMITED',
      'accepted ',
      'accepted ',
      'accepted ',
      'accepted ',
    ]);
  });
});
