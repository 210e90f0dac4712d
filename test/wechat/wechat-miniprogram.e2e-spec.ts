import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newQrCodeId } from '../../lib/kernel/qr-login.ids';
import { ADAPTERS } from '../app/test-app';
import { creatorHeader, nativeClient, request } from '../support/http';
import { openSse, statusesOf } from '../support/sse';
import type { FakeWechatServer } from './fake-wechat.server';
import {
  MINI,
  MINI_B,
  PNG_SIGNATURE,
  bytesOfDataUrl,
  createWechatTestApp,
  startFakeWechat,
  type WechatUsers,
} from './wechat-test-app';

describe.each(ADAPTERS)('WeChat mini-program codes on %s', (adapter) => {
  let fake: FakeWechatServer;
  let app: Awaited<ReturnType<typeof createWechatTestApp>>['app'];
  let users: WechatUsers;
  let api: ReturnType<typeof nativeClient>;
  let base: string;
  let codes = 0;

  /** A fresh wx.login() code of the app that maps to `openid`. */
  const loginCode = (openid: string, appId: string = MINI.appId, unionid?: string) => {
    const code = `code-${++codes}-${openid}`;
    fake.addLoginCode(code, appId, openid, unionid);
    return code;
  };
  const mini = (action: 'scan' | 'confirm' | 'cancel', json: unknown) =>
    request(`${base}/qr-login/wechat/miniprogram/${action}`, { method: 'POST', json });

  beforeAll(async () => {
    fake = await startFakeWechat();
    const started = await createWechatTestApp({ adapter, fake });
    app = started.app;
    users = started.users;
    base = started.url;
    api = nativeClient(base);
  });
  afterAll(async () => {
    await app?.close();
    await fake?.stop();
  });

  it('generates a mini-program code: a valid PNG from getwxacodeunlimit with our id as the scene', async () => {
    const created = await api.create({ type: 'WECHAT_MINIPROGRAM' });
    expect(created.status).toBe(201);
    const { qrcodeId, url, payload } = created.body;
    expect(payload).toBe(qrcodeId);
    const image = bytesOfDataUrl(url);
    expect(image.type).toBe('image/png');
    expect(image.bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    const png = PNG.sync.read(image.bytes);
    expect(png.width).toBeGreaterThan(100);
    expect(png.width).toBe(png.height);

    const sent = fake.wxacodeRequests.at(-1)!;
    // The first connection is disabled, so the first enabled one made it.
    expect(sent.appId).toBe(MINI.appId);
    expect(sent.body).toEqual({
      scene: qrcodeId,
      page: 'pages/qr-login/index',
      check_path: true,
      env_version: 'trial',
      width: 430,
    });
    expect(qrcodeId.length).toBeLessThanOrEqual(32);
    // Without autoMergeQrCode the client stitches the logo itself.
    expect(created.body.customLogoUrl).toBe(`${fake.url}/logo.png`);
    expect(JSON.stringify(created.body)).not.toContain(MINI.appSecret);
  });

  it('logs the mapped user in: mini-program scan and confirm with wx.login codes; the web page sees SCANNED then AUTHORIZED', async () => {
    const created = await api.create({
      type: 'WECHAT_MINIPROGRAM',
      context: { source: 'utm' },
      customData: { plan: 'pro' },
    });
    const id = created.body.qrcodeId;
    const stream = await openSse(api.eventsUrl(id), creatorHeader(created));
    await stream.waitForEvents(1);

    const scanned = await mini('scan', { qrcodeId: id, code: loginCode('o-alice', MINI.appId, 'u-union-alice') });
    expect(scanned.status).toBe(200);
    expect(scanned.body).toMatchObject({ qrcodeId: id, status: 'SCANNED', requester: { appName: 'Fixture Web' } });
    await stream.waitForEvents(2);

    const confirmed = await mini('confirm', { qrcodeId: id, code: loginCode('o-alice') });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ qrcodeId: id, status: 'AUTHORIZED' });
    const events = await stream.waitForEvents(3);
    await stream.ended;
    expect(statusesOf(stream)).toEqual(['PENDING', 'SCANNED', 'AUTHORIZED']);
    const authorized = JSON.parse(events[2].data);
    expect(authorized.briefUserInfo).toEqual({ displayName: 'WeChat o-alice' });

    const login = await api.login(authorized.ticket, creatorHeader(created));
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ access_token: 'session-for-wx-o-alice', user: { id: 'wx-o-alice' } });

    // The hook learnt who scanned, through which connection, and the code's context.
    const identity = users.identities.find((i) => i.qrcodeId === id)!;
    expect(identity).toEqual({
      openid: 'o-alice',
      unionid: 'u-union-alice',
      connectionId: 'mini',
      connectionType: 'WECHAT_MINIPROGRAM',
      appId: MINI.appId,
      qrcodeId: id,
      context: { source: 'utm' },
      customData: { plan: 'pro' },
    });
    // The session key never leaves the server.
    expect(JSON.stringify([scanned.body, confirmed.body, login.body])).not.toMatch(/session_key|sessionKey/);
  });

  it('cancels for the WeChat user who scanned, and refuses another one', async () => {
    const created = await api.create({ type: 'WECHAT_MINIPROGRAM' });
    const id = created.body.qrcodeId;
    expect((await mini('scan', { qrcodeId: id, code: loginCode('o-carol') })).status).toBe(200);
    const stranger = await mini('confirm', { qrcodeId: id, code: loginCode('o-mallory') });
    expect(stranger.status).toBe(403);
    expect(stranger.body.code).toBe('QR_NOT_SCANNER');
    const cancelled = await mini('cancel', { qrcodeId: id, code: loginCode('o-carol') });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    expect((await api.status(id)).body.status).toBe('CANCELLED');
  });

  it('refuses a wx.login code WeChat rejects (unknown, or used twice) and leaves the code PENDING', async () => {
    const created = await api.create({ type: 'WECHAT_MINIPROGRAM' });
    const id = created.body.qrcodeId;
    const unknown = await mini('scan', { qrcodeId: id, code: 'never-issued' });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ statusCode: 401, code: 'QR_WECHAT_LOGIN_CODE_INVALID' });
    expect(unknown.body.message).toContain('wx.login()');

    const code = loginCode('o-dave');
    expect((await mini('scan', { qrcodeId: id, code })).status).toBe(200);
    const reused = await mini('confirm', { qrcodeId: id, code });
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe('QR_WECHAT_LOGIN_CODE_INVALID');
    expect((await api.status(id)).body.status).toBe('SCANNED');

    const fresh = await api.create({ type: 'WECHAT_MINIPROGRAM' });
    await mini('scan', { qrcodeId: fresh.body.qrcodeId, code: 'never-issued-either' });
    expect((await api.status(fresh.body.qrcodeId)).body.status).toBe('PENDING');
  });

  it('validates the body in the core error shape', async () => {
    const created = await api.create({ type: 'WECHAT_MINIPROGRAM' });
    const noCode = await mini('scan', { qrcodeId: created.body.qrcodeId });
    expect(noCode.status).toBe(400);
    expect(noCode.body).toMatchObject({ statusCode: 400, code: 'QR_VALIDATION_FAILED' });
    expect(noCode.body.message).toContain('code');
    const badId = await mini('scan', { qrcodeId: 'x', code: 'abc' });
    expect(badId.status).toBe(400);
    expect(badId.body.message).toContain('qrcodeId');
    const nullBody = await request(`${base}/qr-login/wechat/miniprogram/scan`, {
      method: 'POST',
      body: 'null',
      headers: { 'content-type': 'application/json' },
    });
    expect(nullBody.status).toBe(400);
  });

  it('answers 404 for an unknown id and 409 for a code of another type, before spending the wx.login code', async () => {
    const before = fake.count('sns/jscode2session');
    const unknown = await mini('scan', { qrcodeId: newQrCodeId(Date.now() + 60_000), code: loginCode('o-erin') });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('QR_NOT_FOUND');
    // An id whose embedded expiry has passed is a code that lived and expired.
    const gone = await mini('scan', { qrcodeId: newQrCodeId(Date.now() - 1_000), code: loginCode('o-erin') });
    expect(gone.status).toBe(410);
    expect(gone.body.code).toBe('QR_EXPIRED');
    const appCode = await api.create({});
    const wrong = await mini('scan', { qrcodeId: appCode.body.qrcodeId, code: loginCode('o-erin') });
    expect(wrong.status).toBe(409);
    expect(wrong.body.code).toBe('QR_WECHAT_WRONG_TYPE');
    expect(fake.count('sns/jscode2session')).toBe(before);
    expect((await api.status(appCode.body.qrcodeId)).body.status).toBe('PENDING');
  });

  it('refuses a user findOrCreateUser turns down', async () => {
    users.refused.add('o-banned');
    const created = await api.create({ type: 'WECHAT_MINIPROGRAM' });
    const refused = await mini('scan', { qrcodeId: created.body.qrcodeId, code: loginCode('o-banned') });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('QR_WECHAT_USER_REFUSED');
    expect((await api.status(created.body.qrcodeId)).body.status).toBe('PENDING');
  });

  it('picks the connection by extIdpConnId for the image and by connectionId for the scan', async () => {
    const created = await api.create({ type: 'WECHAT_MINIPROGRAM', extIdpConnId: 'mini-b' });
    expect(created.status).toBe(201);
    expect(fake.wxacodeRequests.at(-1)!.appId).toBe(MINI_B.appId);
    expect(fake.wxacodeRequests.at(-1)!.body).toEqual({
      scene: created.body.qrcodeId,
      check_path: true,
      env_version: 'release',
      width: 430,
    });
    expect(created.body.customLogoUrl).toBeUndefined();

    // A code of app B resolves only through connection B.
    const id = created.body.qrcodeId;
    const scanned = await mini('scan', {
      qrcodeId: id,
      code: loginCode('o-frank', MINI_B.appId),
      connectionId: 'mini-b',
    });
    expect(scanned.status).toBe(200);
    expect(users.identities.at(-1)).toMatchObject({ openid: 'o-frank', connectionId: 'mini-b', appId: MINI_B.appId });

    for (const extIdpConnId of ['nope', 'mini-off', 'oa']) {
      const refused = await api.create({ type: 'WECHAT_MINIPROGRAM', extIdpConnId });
      expect(refused.status, extIdpConnId).toBe(400);
      expect(refused.body.code).toBe('QR_WECHAT_CONNECTION_NOT_FOUND');
    }
  });

  it('merges the logo into the image with autoMergeQrCode, and then returns no customLogoUrl', async () => {
    const plain = await api.create({ type: 'WECHAT_MINIPROGRAM' });
    const merged = await api.create({ type: 'WECHAT_MINIPROGRAM', autoMergeQrCode: true });
    expect(merged.status).toBe(201);
    expect(merged.body.customLogoUrl).toBeUndefined();
    const plainPng = PNG.sync.read(bytesOfDataUrl(plain.body.url).bytes);
    const mergedImage = bytesOfDataUrl(merged.body.url);
    expect(mergedImage.type).toBe('image/png');
    const mergedPng = PNG.sync.read(mergedImage.bytes);
    expect([mergedPng.width, mergedPng.height]).toEqual([plainPng.width, plainPng.height]);

    const pixel = (png: PNG, x: number, y: number) => [
      ...png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3),
    ];
    const centre = Math.floor(plainPng.width / 2);
    // The fake's logo is solid red; a QR code has only black and white.
    expect(pixel(mergedPng, centre, centre)).toEqual([230, 20, 20]);
    expect([
      [0, 0, 0],
      [255, 255, 255],
    ]).toContainEqual(pixel(plainPng, centre, centre));
    // Outside the logo circle (a corner of its bounding square) the code is untouched: black or white.
    const inset = Math.round(plainPng.width * (0.5 - 0.45 / 2)) + 2;
    expect([
      [0, 0, 0],
      [255, 255, 255],
    ]).toContainEqual(pixel(mergedPng, inset, inset));
    // The logo was downloaded once and kept.
    await api.create({ type: 'WECHAT_MINIPROGRAM', autoMergeQrCode: true });
    expect(fake.count('logo.png')).toBe(1);
  });

  it('answers autoMergeQrCode for a connection without a logo with the plain image', async () => {
    const created = await api.create({ type: 'WECHAT_MINIPROGRAM', extIdpConnId: 'mini-b', autoMergeQrCode: true });
    expect(created.status).toBe(201);
    expect(created.body.customLogoUrl).toBeUndefined();
    const png = PNG.sync.read(bytesOfDataUrl(created.body.url).bytes);
    const centre = Math.floor(png.width / 2);
    const i = (centre * png.width + centre) * 4;
    expect([
      [0, 0, 0],
      [255, 255, 255],
    ]).toContainEqual([...png.data.subarray(i, i + 3)]);
  });

  it('fails clearly when the logo to merge cannot be loaded, and creates no code', async () => {
    const created = await api.create({
      type: 'WECHAT_MINIPROGRAM',
      extIdpConnId: 'mini-bad-logo',
      autoMergeQrCode: true,
    });
    expect(created.status).toBe(502);
    expect(created.body).toMatchObject({ statusCode: 502, code: 'QR_WECHAT_LOGO_UNAVAILABLE' });
    expect(created.body.message).toContain('"mini-bad-logo"');
    expect(created.body.message).toContain('HTTP 404');
  });
});
