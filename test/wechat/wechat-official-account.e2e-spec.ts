import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS } from '../app/test-app';
import { creatorHeader, nativeClient, request } from '../support/http';
import { eventually, openSse, statusesOf } from '../support/sse';
import type { FakeWechatServer } from './fake-wechat.server';
import { OA, OA_AES, createWechatTestApp, startFakeWechat, type WechatUsers } from './wechat-test-app';

describe.each(ADAPTERS)('WeChat official-account codes on %s', (adapter) => {
  let fake: FakeWechatServer;
  let app: Awaited<ReturnType<typeof createWechatTestApp>>['app'];
  let users: WechatUsers;
  let api: ReturnType<typeof nativeClient>;
  let webhook: string;
  /** The scan = login connection (loginOnScan, safe mode). */
  let scanWebhook: string;
  const encrypt = OA_AES;

  beforeAll(async () => {
    fake = await startFakeWechat();
    const started = await createWechatTestApp({ adapter, fake });
    app = started.app;
    users = started.users;
    api = nativeClient(started.url);
    webhook = `${started.url}/qr-login/wechat/official-account/oa/events`;
    scanWebhook = `${started.url}/qr-login/wechat/official-account/oa-scan/events`;
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
  });

  const createCode = async (json: Record<string, unknown> = {}) => {
    const created = await api.create({ type: 'WECHAT_OFFICIAL_ACCOUNT', ...json });
    expect(created.status).toBe(201);
    return created;
  };

  it("generates a temporary QR_STR_SCENE code whose url is WeChat's showqrcode for the issued ticket", async () => {
    const created = await createCode();
    const { qrcodeId, url, payload, expiresIn } = created.body;
    const issued = fake.qrcodeRequests.at(-1)!;
    expect(issued.appId).toBe(OA.appId);
    expect(issued.body).toEqual({
      expire_seconds: expect.any(Number),
      action_name: 'QR_STR_SCENE',
      action_info: { scene: { scene_str: qrcodeId } },
    });
    // WeChat's code lives as long as ours.
    expect(Math.abs(issued.body.expire_seconds - expiresIn)).toBeLessThanOrEqual(1);
    expect(url).toBe(`${fake.url}/cgi-bin/showqrcode?ticket=${encodeURIComponent(issued.ticket)}`);
    expect(new URL(url).searchParams.get('ticket')).toBe(issued.ticket);
    expect(payload).toBe(issued.url);
    expect(created.body.customLogoUrl).toBeUndefined();
  });

  it('with loginOnScan, logs the user in on a signed SCAN push: the web page sees SCANNED then AUTHORIZED', async () => {
    const created = await createCode({ context: { source: 'poster' }, extIdpConnId: 'oa-scan' });
    const id = created.body.qrcodeId;
    const stream = await openSse(api.eventsUrl(id), creatorHeader(created));
    await stream.waitForEvents(1);

    const pushed = await fake.push(scanWebhook, {
      token: OA.token,
      openid: 'oa-alice',
      event: 'SCAN',
      eventKey: id,
      encrypt,
    });
    expect(pushed).toMatchObject({ status: 200, body: 'success' });
    expect(pushed.contentType).toMatch(/^text\/plain/);

    const events = await stream.waitForEvents(3);
    await stream.ended;
    expect(statusesOf(stream)).toEqual(['PENDING', 'SCANNED', 'AUTHORIZED']);
    const ticket = JSON.parse(events[2].data).ticket;
    const login = await api.login(ticket, creatorHeader(created));
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ access_token: 'session-for-wx-oa-alice', user: { id: 'wx-oa-alice' } });
    expect(users.identities.find((i) => i.qrcodeId === id)).toEqual({
      openid: 'oa-alice',
      connectionId: 'oa-scan',
      connectionType: 'WECHAT_OFFICIAL_ACCOUNT',
      appId: OA.appId,
      qrcodeId: id,
      context: { source: 'poster' },
    });

    // WeChat repeats a push it got no timely answer for; the repeat changes nothing and still gets "success".
    const repeated = await fake.push(scanWebhook, {
      token: OA.token,
      openid: 'oa-alice',
      event: 'SCAN',
      eventKey: id,
      encrypt,
    });
    expect(repeated).toMatchObject({ status: 200, body: 'success' });
  });

  it('with loginOnScan, logs the user in on a subscribe push through the code (EventKey qrscene_<id>)', async () => {
    const created = await createCode({ extIdpConnId: 'oa-scan' });
    const id = created.body.qrcodeId;
    const pushed = await fake.push(scanWebhook, {
      token: OA.token,
      openid: 'oa-bob',
      event: 'subscribe',
      eventKey: `qrscene_${id}`,
      encrypt,
    });
    expect(pushed).toMatchObject({ status: 200, body: 'success' });
    const status = await api.status(id, creatorHeader(created));
    expect(status.body).toMatchObject({ status: 'AUTHORIZED', briefUserInfo: { displayName: 'WeChat oa-bob' } });
    const login = await api.login(status.body.ticket, creatorHeader(created));
    expect(login.body.user.id).toBe('wx-oa-bob');
  });

  it('refuses a push with a bad signature and changes nothing', async () => {
    const created = await createCode();
    const id = created.body.qrcodeId;
    const asked = users.identities.length;
    for (const tamper of ['signature'] as const) {
      const pushed = await fake.push(webhook, {
        token: OA.token,
        openid: 'oa-mallory',
        event: 'SCAN',
        eventKey: id,
        tamper,
      });
      expect(pushed.status).toBe(401);
      expect(JSON.parse(pushed.body)).toMatchObject({ statusCode: 401, code: 'QR_WECHAT_SIGNATURE_INVALID' });
      expect(pushed.body).not.toContain(OA.token);
    }
    // Signed with another token (e.g. another account's).
    const wrongToken = await fake.push(webhook, {
      token: 'someOtherToken',
      openid: 'oa-mallory',
      event: 'SCAN',
      eventKey: id,
    });
    expect(wrongToken.status).toBe(401);
    // No signature at all.
    const unsigned = await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: '<xml></xml>',
    });
    expect(unsigned.status).toBe(401);
    expect((await api.status(id)).body.status).toBe('PENDING');
    expect(users.identities.length).toBe(asked);
  });

  it('ignores pushes that are not about our codes, with "success"', async () => {
    const created = await createCode();
    const id = created.body.qrcodeId;
    const pushes = [
      { event: 'subscribe' }, // a plain follow
      { event: 'subscribe', eventKey: 'qrscene_campaign-42' }, // the account's own campaign code
      { event: 'SCAN', eventKey: '12345' },
      { event: 'CLICK', eventKey: id }, // a menu click whose key happens to look like an id
      { event: 'SCAN', eventKey: id, msgType: 'text' },
    ];
    for (const push of pushes) {
      const answer = await fake.push(webhook, { token: OA.token, openid: 'oa-carol', encrypt, ...push });
      expect(answer, JSON.stringify(push)).toMatchObject({ status: 200, body: 'success' });
    }
    expect((await api.status(id)).body.status).toBe('PENDING');
    // A SCAN of a code of another type is not ours either.
    const appCode = await api.create({});
    const other = await fake.push(webhook, {
      token: OA.token,
      openid: 'oa-carol',
      event: 'SCAN',
      eventKey: appCode.body.qrcodeId,
      encrypt,
    });
    expect(other.body).toBe('success');
    expect((await api.status(appCode.body.qrcodeId)).body.status).toBe('PENDING');
  });

  it("answers WeChat's server-URL check with the echostr only when signed with the token", async () => {
    const good = await fake.verifyServerUrl(webhook, OA.token, 'echo-4711');
    expect(good).toEqual({ status: 200, body: 'echo-4711' });
    const bad = await fake.verifyServerUrl(webhook, 'wrongToken', 'echo-4711');
    expect(bad.status).toBe(401);
    expect(bad.body).not.toContain('echo-4711');
    const unknown = await fake.verifyServerUrl(webhook.replace('/oa/', '/nope/'), OA.token, 'echo-4711');
    expect(unknown.status).toBe(400);
  });

  it('handles the encrypted (safe) mode: decrypts a signed push, refuses a bad msg_signature', async () => {
    const created = await createCode({ extIdpConnId: 'oa-scan' });
    const id = created.body.qrcodeId;
    const forged = await fake.push(scanWebhook, {
      token: OA.token,
      openid: 'oa-dave',
      event: 'SCAN',
      eventKey: id,
      encrypt,
      tamper: 'msg_signature',
    });
    expect(forged.status).toBe(401);
    expect((await api.status(id)).body.status).toBe('PENDING');
    const otherApp = await fake.push(scanWebhook, {
      token: OA.token,
      openid: 'oa-dave',
      event: 'SCAN',
      eventKey: id,
      encrypt: { ...encrypt, appId: 'wxsomeoneelse' },
    });
    expect(otherApp.status).toBe(400);
    expect(JSON.parse(otherApp.body).code).toBe('QR_WECHAT_WEBHOOK_BODY_INVALID');
    expect((await api.status(id)).body.status).toBe('PENDING');

    const pushed = await fake.push(scanWebhook, {
      token: OA.token,
      openid: 'oa-dave',
      event: 'SCAN',
      eventKey: id,
      encrypt,
    });
    expect(pushed).toMatchObject({ status: 200, body: 'success' });
    await eventually(async () => (await api.status(id)).body.status === 'AUTHORIZED', 5_000, 'AUTHORIZED');
    expect(users.identities.at(-1)).toMatchObject({ openid: 'oa-dave', qrcodeId: id });
  });

  it('in plain mode, still logs in through the confirming reply', async () => {
    const created = await createCode({ extIdpConnId: 'oa-plain' });
    const id = created.body.qrcodeId;
    const plainHook = webhook.replace('/oa/', '/oa-plain/');
    const scanned = await fake.push(plainHook, { token: OA.token, openid: 'oa-erin', event: 'SCAN', eventKey: id });
    expect(scanned.status).toBe(200);
    expect(fake.readReply(scanned.body, OA.token)?.Content).toMatch(/reply OK/);
    expect((await api.status(id)).body.status).toBe('SCANNED');
    const replied = await fake.push(plainHook, {
      token: OA.token,
      openid: 'oa-erin',
      msgType: 'text',
      content: ' ok ',
    });
    expect(fake.readReply(replied.body, OA.token)?.Content).toMatch(/logged in/);
    expect((await api.status(id)).body.status).toBe('AUTHORIZED');
  });

  it('refuses bodies that are not WeChat XML, and DTDs outright', async () => {
    const signedUrl = (await signedQuery()).url;
    const cases = [
      'not xml at all <',
      '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><Event>&a;</Event></xml>',
      '<root><Event>SCAN</Event></root>',
    ];
    for (const body of cases) {
      const answer = await request(signedUrl, { method: 'POST', body, headers: { 'content-type': 'text/xml' } });
      expect(answer.status, body).toBe(400);
      expect(answer.body.code).toBe('QR_WECHAT_WEBHOOK_BODY_INVALID');
    }
    const huge = `<xml><Event>${'x'.repeat(70_000)}</Event></xml>`;
    const tooLarge = await request(signedUrl, { method: 'POST', body: huge, headers: { 'content-type': 'text/xml' } });
    expect([400, 413]).toContain(tooLarge.status);
  });

  /** A webhook URL signed like WeChat would sign it. */
  async function signedQuery() {
    const { createHash } = await import('node:crypto');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = '42';
    const signature = createHash('sha1').update([OA.token, timestamp, nonce].sort().join('')).digest('hex');
    return { url: `${webhook}?${new URLSearchParams({ signature, timestamp, nonce })}` };
  }
});
