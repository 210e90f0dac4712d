import { describe, expect, it } from 'vitest';
import { ADAPTERS } from '../../../test/app/test-app';
import { closedAfterEach } from '../../../test/support/closed-after-each';
import { creatorHeader, nativeClient, request } from '../../../test/support/http';
import {
  MINI,
  MINI_B,
  bytesOfDataUrl,
  createWechatTestApp,
  startFakeWechat,
  type WechatTestAppOptions,
} from '../../../test/wechat/wechat-test-app';

/*
 * The mini program's routes over real HTTP on each adapter, and the flow
 * behind them: which connection acts, what findOrCreateUser is asked, and
 * each refusal (status, code, message), checked before the wx.login code is
 * spent. An app is started in each test.
 */

const keep = closedAfterEach<{ close(): Promise<unknown> }>();

describe.each(ADAPTERS)('the mini-program routes on %s', (adapter) => {
  async function start(opts: Partial<WechatTestAppOptions> = {}) {
    const fake = await startFakeWechat();
    keep({ close: () => fake.stop() });
    const started = await createWechatTestApp({ adapter, fake, ...opts });
    keep(started.app);
    const api = nativeClient(started.url);
    const mini = (action: string, json: Record<string, unknown>) =>
      request(`${started.url}/qr-login/wechat/miniprogram/${action}`, { json });
    const create = async (json: Record<string, unknown> = {}) => {
      const created = await api.create({ type: 'WECHAT_MINIPROGRAM', ...json });
      expect(created.status).toBe(201);
      return created;
    };
    return { fake, api, mini, create, users: started.users };
  }

  it('scans, then confirms, as the app user of the WeChat user; answers are not cached', async () => {
    const t = await start();
    const created = await t.create({ context: { page: 'p' }, customData: { k: 1 } });
    const id = created.body.qrcodeId;
    t.fake.addLoginCode('c1', MINI.appId, 'o-1', 'u-1').addLoginCode('c2', MINI.appId, 'o-1');
    const scanned = await t.mini('scan', { qrcodeId: id, code: 'c1' });
    expect(scanned.status).toBe(200);
    expect(scanned.headers.get('cache-control')).toBe('no-store');
    expect(scanned.body).toMatchObject({ qrcodeId: id, status: 'SCANNED' });
    expect(t.users.identities).toEqual([
      {
        openid: 'o-1',
        unionid: 'u-1',
        connectionId: 'mini',
        connectionType: 'WECHAT_MINIPROGRAM',
        appId: MINI.appId,
        qrcodeId: id,
        context: { page: 'p' },
        customData: { k: 1 },
      },
    ]);
    const confirmed = await t.mini('confirm', { qrcodeId: id, code: 'c2' });
    expect(confirmed.status).toBe(200);
    expect(confirmed.headers.get('cache-control')).toBe('no-store');
    expect(confirmed.body).toMatchObject({ qrcodeId: id, status: 'AUTHORIZED' });
    const login = await t.api.login(
      confirmed.body.ticket ?? (await t.api.status(id, creatorHeader(created))).body.ticket,
      creatorHeader(created),
    );
    expect(login.body.user.id).toBe('wx-o-1');
  });

  it('cancels, by the WeChat user who scanned', async () => {
    const t = await start();
    const id = (await t.create()).body.qrcodeId;
    t.fake.addLoginCode('c1', MINI.appId, 'o-2').addLoginCode('c2', MINI.appId, 'o-2');
    await t.mini('scan', { qrcodeId: id, code: 'c1' });
    const cancelled = await t.mini('cancel', { qrcodeId: id, code: 'c2' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.headers.get('cache-control')).toBe('no-store');
    expect(cancelled.body).toMatchObject({ qrcodeId: id, status: 'CANCELLED' });
  });

  it('refuses a code of another type before spending the login code', async () => {
    const t = await start();
    const other = (await t.api.create({})).body.qrcodeId;
    t.fake.addLoginCode('c1', MINI.appId, 'o-3');
    const refused = await t.mini('scan', { qrcodeId: other, code: 'c1' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'QR_WECHAT_WRONG_TYPE',
      message: 'This QR code is of type MOBILE_APP, not WECHAT_MINIPROGRAM; scan it with the app it was made for.',
    });
    expect(t.fake.count('sns/jscode2session')).toBe(0);
  });

  it('acts only from the connection that made the code, which it uses by default', async () => {
    const t = await start();
    const id = (await t.create({ extIdpConnId: 'mini-b' })).body.qrcodeId;
    t.fake
      .addLoginCode('a1', MINI.appId, 'o-4')
      .addLoginCode('b1', MINI_B.appId, 'o-4')
      .addLoginCode('b2', MINI_B.appId, 'o-4');
    const mismatch = await t.mini('scan', { qrcodeId: id, code: 'a1', connectionId: 'mini' });
    expect(mismatch.status).toBe(409);
    expect(mismatch.body).toMatchObject({
      code: 'QR_WECHAT_CONNECTION_MISMATCH',
      message:
        'This QR code was made by WeChat connection "mini-b"; act on it from that mini program (connectionId "mini-b", or leave connectionId out).',
    });
    expect(t.fake.count('sns/jscode2session')).toBe(0);
    // Without connectionId the code's own connection resolves a login code of its app.
    expect((await t.mini('scan', { qrcodeId: id, code: 'b1' })).status).toBe(200);
    expect(t.users.identities[0]).toMatchObject({ connectionId: 'mini-b', appId: MINI_B.appId });
    expect((await t.mini('cancel', { qrcodeId: id, code: 'b2', connectionId: 'mini-b' })).status).toBe(200);
  });

  it('refuses an invalid login code (401), a refused user (403) and a malformed body (400)', async () => {
    const t = await start();
    const id = (await t.create()).body.qrcodeId;
    const invalid = await t.mini('scan', { qrcodeId: id, code: 'never-issued' });
    expect(invalid.status).toBe(401);
    expect(invalid.body.code).toBe('QR_WECHAT_LOGIN_CODE_INVALID');
    t.users.refused.add('o-banned');
    t.fake.addLoginCode('c1', MINI.appId, 'o-banned');
    const refused = await t.mini('scan', { qrcodeId: id, code: 'c1' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      code: 'QR_WECHAT_USER_REFUSED',
      message: 'This WeChat user may not log in here.',
    });
    const malformed = await t.mini('confirm', { qrcodeId: id });
    expect(malformed.status).toBe(400);
    expect((await t.api.status(id)).body.status).toBe('PENDING');
  });

  it('passes the number the user picked on to the confirmation', async () => {
    const t = await start({
      core: { numberMatching: true },
      wechat: { connections: [{ ...MINI, type: 'WECHAT_MINIPROGRAM' }] },
    });
    const created = await t.create();
    const id = created.body.qrcodeId;
    t.fake.addLoginCode('c1', MINI.appId, 'o-5').addLoginCode('c2', MINI.appId, 'o-5');
    await t.mini('scan', { qrcodeId: id, code: 'c1' });
    const confirmed = await t.mini('confirm', { qrcodeId: id, code: 'c2', matchCode: created.body.matchCode });
    expect(confirmed.body.status).toBe('AUTHORIZED');
  });

  it("renders WeChat's code as a PNG data URL whose payload is the id, with the logo for the client to stitch", async () => {
    const t = await start();
    const created = await t.create();
    expect(bytesOfDataUrl(created.body.url).type).toBe('image/png');
    expect(created.body.payload).toBe(created.body.qrcodeId);
    expect(created.body.customLogoUrl).toBe(`${t.fake.url}/logo.png`);
    expect(t.fake.wxacodeRequests.at(-1)!.body.scene).toBe(created.body.qrcodeId);
    // Merged on the server: the logo is in the image, none left to stitch.
    const merged = await t.create({ autoMergeQrCode: true });
    expect(merged.body.customLogoUrl).toBeUndefined();
    expect(t.fake.count('logo.png')).toBe(1);
    // A connection without a logo: none to stitch, merged or not.
    for (const autoMergeQrCode of [false, true]) {
      const plain = await t.create({ extIdpConnId: 'mini-b', autoMergeQrCode });
      expect(plain.body.customLogoUrl).toBeUndefined();
      expect(t.fake.wxacodeRequests.at(-1)!.appId).toBe(MINI_B.appId);
    }
  });

  it('renders a JPEG that WeChat answers as a JPEG data URL', async () => {
    const t = await start();
    // The JPEG signature and a few bytes: nothing decodes an image that is not merged.
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
    t.fake.wxacodeImage = { type: 'image/jpeg', bytes };
    const created = await t.create();
    expect(created.body.url).toBe(`data:image/jpeg;base64,${bytes.toString('base64')}`);
  });
});
