import { Logger, type LoggerService } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { closedAfterEach } from '../../../test/support/closed-after-each';
import { eventually } from '../../../test/support/sse';
import { startOfficialAccountApp, type OfficialAccountHarness } from '../../../test/wechat/official-account-harness';
import { OA, WechatUsers } from '../../../test/wechat/wechat-test-app';
import { memoryStoreKind } from '../../../test/support/stores';
import { QrLoginError } from '../../plugin';
import { wechatSignature } from './wechat-crypto';
import { QrLoginWechatService } from './wechat.service';

/*
 * The official account's decisions, over real HTTP: which pushes are ours,
 * what a scan asks the user (the reply's fields, seen through a replyText
 * that writes them as JSON), how the reply confirms or cancels, and when
 * the confirmation runs out (on the kernel clock). An app is started in each test.
 */

const keep = closedAfterEach<OfficialAccountHarness>();
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

afterEach(() => Logger.overrideLogger(true));

async function start(opts: Parameters<typeof startOfficialAccountApp>[0] = {}) {
  const h = keep(
    await startOfficialAccountApp({
      ...opts,
      wechat: { replyText: (reply) => JSON.stringify(reply), ...opts.wechat },
    }),
  );
  const create = async (json: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
    const created = await h.api.create({ type: 'WECHAT_OFFICIAL_ACCOUNT', ...json }, headers);
    expect(created.status).toBe(201);
    return created.body as { qrcodeId: string; matchCode?: string; expiresIn: number; url: string; payload: string };
  };
  /** The reply's fields (from the JSON replyText), or null for "success". */
  const reply = async (answer: ReturnType<typeof h.push>) => {
    const got = await answer;
    expect(got.status).toBe(200);
    const text = h.replyOf(got);
    return text === null ? null : JSON.parse(text);
  };
  const status = async (id: string) => (await h.api.status(id)).body;
  const scan = (id: string, openid = 'o-user', connection = 'oa') =>
    reply(h.push({ event: 'SCAN', eventKey: id, openid }, connection));
  const text = (content: string, openid = 'o-user', connection = 'oa') =>
    reply(h.push({ msgType: 'text', content, openid }, connection));
  return { h, create, reply, status, scan, text };
}

describe('a scan through one of our codes', () => {
  it('asks the user to confirm, naming the site, the browser, the address, the keyword and the time left', async () => {
    const t = await start({ wechat: { confirmationTimeout: 30, confirmKeyword: 'YES' } });
    const code = await t.create({}, { 'user-agent': CHROME });
    expect(await t.scan(code.qrcodeId, 'o-alice')).toEqual({
      kind: 'prompt',
      appName: 'Fixture Web',
      browser: 'Chrome 120',
      os: 'Windows 10',
      ip: '127.0.0.1',
      answer: 'keyword',
      keyword: 'YES',
      expiresIn: 30,
    });
    expect((await t.status(code.qrcodeId)).status).toBe('SCANNED');
    expect(t.h.users.identities.at(-1)).toEqual({
      openid: 'o-alice',
      connectionId: 'oa',
      connectionType: 'WECHAT_OFFICIAL_ACCOUNT',
      appId: OA.appId,
      qrcodeId: code.qrcodeId,
    });
  });

  it('gives the code’s own time left when it ends before the confirmation timeout, and names no browser it does not know', async () => {
    const t = await start({ core: { qrCodeTtl: 20, appName: undefined }, wechat: { confirmationTimeout: 120 } });
    const code = await t.create();
    t.h.clock.skip(4_500);
    expect(await t.scan(code.qrcodeId)).toEqual({
      kind: 'prompt',
      ip: '127.0.0.1',
      answer: 'keyword',
      keyword: 'OK',
      // 20.5 s of life at creation, 4.5 s later.
      expiresIn: 16,
    });
  });

  it('names the country and city the page was opened from, when the geo lookup knows them', async () => {
    const t = await start({ core: { risk: { geo: { lookup: () => ({ country: 'CN', city: 'Shanghai' }) } } } });
    const code = await t.create();
    expect(await t.scan(code.qrcodeId)).toMatchObject({ country: 'CN', city: 'Shanghai', ip: '127.0.0.1' });
    const countryOnly = await start({ core: { risk: { geo: { lookup: () => ({ country: 'CN' }) } } } });
    const other = await countryOnly.create();
    const prompt = await countryOnly.scan(other.qrcodeId);
    expect(prompt.country).toBe('CN');
    expect(prompt).not.toHaveProperty('city');
  });

  it('names a system the user agent gives no version of by its name alone', async () => {
    const t = await start();
    const code = await t.create({}, { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' });
    const prompt = await t.scan(code.qrcodeId);
    expect(prompt.os).toBe('Linux');
    expect(prompt).not.toHaveProperty('browser');
  });

  it('takes a subscribe through the code (qrscene_<id>) as a scan, and the app’s own codes and other events as not ours', async () => {
    const t = await start();
    const code = await t.create();
    const other = (await t.h.api.create({})).body.qrcodeId;
    const unknown = `${code.qrcodeId.slice(0, -1)}${code.qrcodeId.endsWith('A') ? 'B' : 'A'}`;
    for (const push of [
      { event: 'subscribe' },
      { event: 'subscribe', eventKey: code.qrcodeId },
      { event: 'subscribe', eventKey: 'qrscene_campaign-1' },
      { event: 'SCAN' },
      { event: 'SCAN', eventKey: 'campaign-1' },
      { event: 'SCAN', eventKey: unknown },
      { event: 'SCAN', eventKey: other },
      { event: 'CLICK', eventKey: code.qrcodeId },
      { event: 'SCAN', eventKey: code.qrcodeId, msgType: 'image' },
      { event: 'SCAN', eventKey: code.qrcodeId, openid: '' },
      // Only a subscribe's key carries the prefix: a SCAN key that has it names no code of ours.
      { event: 'SCAN', eventKey: `qrscene_${code.qrcodeId}` },
    ]) {
      expect(await t.reply(t.h.push(push)), JSON.stringify(push)).toBeNull();
    }
    expect((await t.status(code.qrcodeId)).status).toBe('PENDING');
    expect((await t.status(other)).status).toBe('PENDING');
    // The scene each push names, as reported: only SCAN keys and qrscene_ subscribe keys of events.
    const scenes = t.h.events.filter((e: any) => e.action === 'PUSH').map((e: any) => e.qrcodeId);
    const id = code.qrcodeId;
    expect(scenes).toEqual(['', '', 'campaign-1', '', 'campaign-1', unknown, other, '', '', id, `qrscene_${id}`]);
    expect((await t.reply(t.h.push({ event: 'subscribe', eventKey: `qrscene_${code.qrcodeId}` })))?.kind).toBe(
      'prompt',
    );
    expect((await t.status(code.qrcodeId)).status).toBe('SCANNED');
  });

  it('leaves a code made by another connection as it was, and reports the mismatch', async () => {
    const t = await start();
    const code = await t.create({ extIdpConnId: 'oa' });
    expect(await t.scan(code.qrcodeId, 'o-user', 'oa-scan')).toBeNull();
    expect((await t.status(code.qrcodeId)).status).toBe('PENDING');
    const reports = t.h.events.filter((e: any) => e.type === 'refused' && e.action === 'PUSH');
    expect(reports.map((e: any) => [e.code, e.source, e.qrcodeId])).toEqual([
      ['QR_WECHAT_CONNECTION_MISMATCH', 'wechat:oa-scan', code.qrcodeId],
    ]);
  });

  it('leaves the code as it was when findOrCreateUser refuses the user, and logs why', async () => {
    const logs: unknown[][] = [];
    const quiet = () => undefined;
    const recorder: LoggerService = { log: (...args: unknown[]) => logs.push(args), error: quiet, warn: quiet };
    const users = new WechatUsers();
    users.refused.add('o-nobody');
    const t = await start({ users });
    Logger.overrideLogger(recorder);
    const code = await t.create();
    expect(await t.scan(code.qrcodeId, 'o-nobody')).toBeNull();
    expect((await t.status(code.qrcodeId)).status).toBe('PENDING');
    expect(logs).toContainEqual([
      'findOrCreateUser refused a WeChat user of connection "oa"; the code stays as it was.',
      'QrLoginWechat',
    ]);
  });

  it('with loginOnScan, logs in at once and answers "success"; a text to that connection is not a reply', async () => {
    const t = await start();
    const code = await t.create({ extIdpConnId: 'oa-scan' });
    expect(await t.scan(code.qrcodeId, 'o-user', 'oa-scan')).toBeNull();
    expect((await t.status(code.qrcodeId)).status).toBe('AUTHORIZED');
    const second = await t.create({ extIdpConnId: 'oa' });
    await t.scan(second.qrcodeId, 'o-user');
    expect(await t.text('OK', 'o-user', 'oa-scan')).toBeNull();
    expect((await t.status(second.qrcodeId)).status).toBe('SCANNED');
  });

  it('answers "success" to a scan the code refuses (scanned by someone else already)', async () => {
    const t = await start();
    const code = await t.create();
    await t.scan(code.qrcodeId, 'o-first');
    expect(await t.scan(code.qrcodeId, 'o-second')).toBeNull();
    expect(t.h.users.identities.map((i) => i.openid)).toEqual(['o-first', 'o-second']);
    expect(await t.text('OK', 'o-second')).toBeNull();
    expect((await t.text('OK', 'o-first'))?.kind).toBe('confirmed');
  });

  it('cancels at once when the user already has four codes waiting for a reply', async () => {
    const t = await start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await t.create()).qrcodeId);
    for (const id of ids.slice(0, 4)) expect((await t.scan(id))?.kind).toBe('prompt');
    expect(await t.scan(ids[4])).toEqual({ kind: 'cancelled', appName: 'Fixture Web' });
    expect(await t.status(ids[4])).toMatchObject({ status: 'CANCELLED', cancelReason: 'WECHAT_NOT_CONFIRMED' });
  });
});

describe('the reply to a prompt', () => {
  it('confirms with the keyword in any case, trimmed, and drops its deadline', async () => {
    const t = await start();
    // Timers before the code: its expiry's and its deadline's end with it.
    const timers = t.h.clock.pendingTimers;
    const code = await t.create();
    await t.scan(code.qrcodeId);
    expect(t.h.clock.pendingTimers).toBe(timers + 2);
    expect(await t.text('  ok \n')).toEqual({ kind: 'confirmed', appName: 'Fixture Web' });
    expect((await t.status(code.qrcodeId)).status).toBe('AUTHORIZED');
    expect(t.h.clock.pendingTimers).toBe(timers);
    // Nothing is pending any more: the next text is the app's business.
    expect(await t.text('OK')).toBeNull();
  });

  it('cancels on any other text, and drops its deadline', async () => {
    const t = await start();
    // Timers before the code: its expiry's and its deadline's end with it.
    const timers = t.h.clock.pendingTimers;
    const code = await t.create();
    await t.scan(code.qrcodeId);
    expect(t.h.clock.pendingTimers).toBe(timers + 2);
    expect(await t.text('OK?')).toEqual({ kind: 'cancelled', appName: 'Fixture Web' });
    expect(await t.status(code.qrcodeId)).toMatchObject({ status: 'CANCELLED', cancelReason: 'WECHAT_NOT_CONFIRMED' });
    expect(t.h.clock.pendingTimers).toBe(timers);
  });

  it('is ignored from a user without a pending code, or one findOrCreateUser now refuses', async () => {
    const t = await start();
    expect(await t.text('OK', 'o-stranger')).toBeNull();
    const code = await t.create();
    await t.scan(code.qrcodeId, 'o-later-refused');
    // A message that is no text (an image, a voice) is no reply either.
    expect(await t.reply(t.h.push({ msgType: 'image', openid: 'o-later-refused' }))).toBeNull();
    expect((await t.status(code.qrcodeId)).status).toBe('SCANNED');
    t.h.users.refused.add('o-later-refused');
    expect(await t.text('OK', 'o-later-refused')).toBeNull();
    expect((await t.status(code.qrcodeId)).status).toBe('SCANNED');
  });

  it('confirms up to the last millisecond of the confirmation time, and says it expired from then on', async () => {
    const t = await start({ wechat: { confirmationTimeout: 30 } });
    const early = await t.create();
    await t.scan(early.qrcodeId, 'o-early');
    // The deadline's timer runs late: the reply's own check decides.
    t.h.clock.skip(29_999);
    expect((await t.text('OK', 'o-early'))?.kind).toBe('confirmed');
    const late = await t.create();
    await t.scan(late.qrcodeId, 'o-late');
    t.h.clock.skip(30_000);
    expect(await t.text('OK', 'o-late')).toEqual({ kind: 'expired', appName: 'Fixture Web' });
    expect(await t.status(late.qrcodeId)).toMatchObject({ status: 'CANCELLED', cancelReason: 'WECHAT_NOT_CONFIRMED' });
  });

  it('cancels a code nobody confirmed when the confirmation time runs out on the kernel clock', async () => {
    const t = await start({ wechat: { confirmationTimeout: 30 } });
    const code = await t.create();
    await t.scan(code.qrcodeId);
    t.h.clock.advance(29_999);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await t.status(code.qrcodeId)).status).toBe('SCANNED');
    t.h.clock.advance(1);
    await eventually(async () => (await t.status(code.qrcodeId)).status === 'CANCELLED', 5_000, 'the deadline');
    expect((await t.status(code.qrcodeId)).cancelReason).toBe('WECHAT_NOT_CONFIRMED');
  });

  it('with number matching, asks for the number and confirms only with the one the page shows', async () => {
    const t = await start({
      core: { numberMatching: true },
      wechat: { connections: [{ ...OA, type: 'WECHAT_OFFICIAL_ACCOUNT' }] },
    });
    const right = await t.create();
    expect((await t.scan(right.qrcodeId, 'o-n1'))?.answer).toBe('number');
    expect(await t.text(` ${right.matchCode} `, 'o-n1')).toEqual({ kind: 'confirmed', appName: 'Fixture Web' });
    expect((await t.status(right.qrcodeId)).status).toBe('AUTHORIZED');

    const wrong = await t.create();
    await t.scan(wrong.qrcodeId, 'o-n2');
    const other = wrong.matchCode === '99' ? '98' : '99';
    expect(await t.text(other, 'o-n2')).toEqual({ kind: 'cancelled', appName: 'Fixture Web' });
    expect(await t.status(wrong.qrcodeId)).toMatchObject({ status: 'CANCELLED', cancelReason: 'MATCH_FAILED' });

    for (const answer of ['1234567', 'OK', 'x12', '12x']) {
      const code = await t.create();
      await t.scan(code.qrcodeId, `o-${answer}`);
      expect(await t.text(answer, `o-${answer}`)).toEqual({ kind: 'cancelled', appName: 'Fixture Web' });
      expect(await t.status(code.qrcodeId)).toMatchObject({ cancelReason: 'WECHAT_NOT_CONFIRMED' });
    }
  });

  it('says it expired when the code refuses the confirmation for another reason (another app user now)', async () => {
    const users = new WechatUsers();
    let calls = 0;
    const original = users.findOrCreateUser;
    (users as { findOrCreateUser: WechatUsers['findOrCreateUser'] }).findOrCreateUser = (identity) => {
      calls++;
      const user = original(identity);
      return calls === 1 ? user : { id: 'someone-else', displayName: 'Someone else' };
    };
    const t = await start({ users, wechat: { confirmationTimeout: 30 } });
    const code = await t.create();
    await t.scan(code.qrcodeId, 'o-switch');
    expect(await t.text('OK', 'o-switch')).toEqual({ kind: 'expired', appName: 'Fixture Web' });
    expect((await t.status(code.qrcodeId)).status).toBe('SCANNED');
    // Its deadline was dropped: the confirmation time running out leaves the code to its own expiry.
    t.h.clock.advance(30_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await t.status(code.qrcodeId)).status).toBe('SCANNED');
  });
});

describe('the rendered code and the service entry', () => {
  it('renders a temporary code as long-lived as ours, shown through showqrcode with the escaped ticket', async () => {
    const t = await start({ core: { qrCodeTtl: 95 } });
    const code = await t.create({ extIdpConnId: 'oa-plain' });
    const issued = t.h.fake.qrcodeRequests.at(-1)!;
    // The code ends on a whole second, 95.5 s away: WeChat's code lives the whole of it.
    expect(issued.body.expire_seconds).toBe(96);
    expect(code.expiresIn).toBe(95);
    expect(code.url).toBe(`${t.h.fake.url}/cgi-bin/showqrcode?ticket=${encodeURIComponent(issued.ticket)}`);
    expect(code.payload).toBe(issued.url);
  });

  it('gives the showqrcode link as the payload when WeChat sends no link of its own', async () => {
    const t = await start();
    t.h.fake.qrcodeLinks = false;
    const code = await t.create();
    const issued = t.h.fake.qrcodeRequests.at(-1)!;
    expect(code.payload).toBe(`${t.h.fake.url}/cgi-bin/showqrcode?ticket=${encodeURIComponent(issued.ticket)}`);
    expect(code.url).toBe(code.payload);
  });

  it("measures WeChat's access tokens on the kernel clock", async () => {
    const t = await start();
    await t.create();
    await t.create();
    expect(t.h.fake.count('cgi-bin/stable_token')).toBe(1);
    // 7200 s tokens are fetched again 300 s before they end, on the kernel's clock.
    t.h.clock.skip(6_900_000);
    await t.create();
    expect(t.h.fake.count('cgi-bin/stable_token')).toBe(2);
  });

  it('drops the confirmation deadlines when the module ends', async () => {
    const t = await start({ wechat: { confirmationTimeout: 30 } });
    const code = await t.create();
    const before = t.h.clock.pendingTimers;
    await t.scan(code.qrcodeId);
    expect(t.h.clock.pendingTimers).toBe(before + 1);
    await t.h.app.close();
    expect(t.h.clock.pendingTimers).toBe(0);
  });

  it('passes on a failure that is no refusal (the app’s body reader failing) without reporting it', async () => {
    const t = await start();
    const service = t.h.app.get(QrLoginWechatService);
    const ts = String(Math.floor(t.h.clock.now() / 1000));
    const query = { signature: wechatSignature(OA.token, ts, '41'), timestamp: ts, nonce: '41' };
    const lost = new Error('the socket closed');
    await expect(service.receiveOfficialAccountPush('oa', query, () => Promise.reject(lost))).rejects.toBe(lost);
    // The signature and window held, so only the body failed: no refusal reached events$.
    expect(t.h.events.filter((e: any) => e.action === 'PUSH')).toEqual([]);
    const wrong = { ...query, signature: wechatSignature('wrongToken', ts, '41') };
    await expect(service.receiveOfficialAccountPush('oa', wrong, () => Promise.reject(lost))).rejects.toMatchObject({
      code: 'QR_WECHAT_SIGNATURE_INVALID',
    });
    expect(t.h.events.filter((e: any) => e.action === 'PUSH').map((e: any) => [e.type, e.code])).toEqual([
      ['refused', 'QR_WECHAT_SIGNATURE_INVALID'],
    ]);
  });

  it('handles a message passed by the app: ignores one without a sender or of another kind', async () => {
    const t = await start();
    const service = t.h.app.get(QrLoginWechatService);
    const code = await t.create();
    const scan = { MsgType: 'event', Event: 'SCAN', EventKey: code.qrcodeId, FromUserName: 'o-app' };
    expect(await service.handleOfficialAccountMessage('oa', { ...scan, FromUserName: '' })).toEqual({
      outcome: 'IGNORED',
    });
    expect(await service.handleOfficialAccountMessage('oa', { ...scan, MsgType: 'voice' })).toEqual({
      outcome: 'IGNORED',
    });
    const scanned = await service.handleOfficialAccountMessage('oa', scan);
    expect(scanned).toMatchObject({ outcome: 'SCANNED', qrcodeId: code.qrcodeId });
    expect(JSON.parse(scanned.replyText!).kind).toBe('prompt');
  });
});

describe('what the service answers the app for each message', () => {
  type Message = Parameters<QrLoginWechatService['handleOfficialAccountMessage']>[1];
  const scanOf = (id: string, openid: string): Message => ({
    MsgType: 'event',
    Event: 'SCAN',
    EventKey: id,
    FromUserName: openid,
  });
  const textOf = (content: string, openid: string): Message => ({
    MsgType: 'text',
    Content: content,
    FromUserName: openid,
  });
  const said = (kind: string) => JSON.stringify({ kind, appName: 'Fixture Web' });

  it('the outcome and code of every scan and reply, and the text to send back', async () => {
    const users = new WechatUsers();
    users.refused.add('o-nobody');
    const base = users.findOrCreateUser;
    // o-switch is another app user from the second call on: the confirmation refuses them.
    let switchCalls = 0;
    (users as { findOrCreateUser: WechatUsers['findOrCreateUser'] }).findOrCreateUser = (identity) =>
      identity.openid === 'o-switch' && ++switchCalls > 1
        ? { id: 'someone-else', displayName: 'Someone else' }
        : base(identity);
    const t = await start({ users, wechat: { confirmationTimeout: 30 } });
    const service = t.h.app.get(QrLoginWechatService);
    const handle = (message: Message, connection = 'oa') => service.handleOfficialAccountMessage(connection, message);
    const id = (await t.create()).qrcodeId;
    const other = (await t.h.api.create({})).body.qrcodeId as string;
    const unknown = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`;

    // Not ours, or not able to proceed: no code named, nothing to reply.
    for (const [message, connection] of [
      [scanOf('campaign-1', 'o-a'), 'oa'],
      [scanOf(unknown, 'o-a'), 'oa'],
      [scanOf(other, 'o-a'), 'oa'],
      [scanOf(id, 'o-a'), 'oa-scan'],
      [scanOf(id, 'o-nobody'), 'oa'],
      [textOf('OK', 'o-a'), 'oa'],
    ] as const) {
      expect(await handle(message, connection), JSON.stringify([message, connection])).toEqual({ outcome: 'IGNORED' });
    }
    const scanned = await handle(scanOf(id, 'o-a'));
    expect({ ...scanned, replyText: JSON.parse(scanned.replyText!).kind }).toEqual({
      outcome: 'SCANNED',
      qrcodeId: id,
      replyText: 'prompt',
    });
    // A scan the code refuses (scanned by someone else) names the code, with nothing to reply.
    expect(await handle(scanOf(id, 'o-b'))).toEqual({ outcome: 'IGNORED', qrcodeId: id });
    users.refused.add('o-a');
    expect(await handle(textOf('OK', 'o-a'))).toEqual({ outcome: 'IGNORED' });
    users.refused.delete('o-a');
    expect(await handle(textOf('OK', 'o-a'))).toEqual({
      outcome: 'AUTHORIZED',
      qrcodeId: id,
      replyText: said('confirmed'),
    });

    const onScan = (await t.create({ extIdpConnId: 'oa-scan' })).qrcodeId;
    expect(await handle(scanOf(onScan, 'o-c'), 'oa-scan')).toEqual({ outcome: 'AUTHORIZED', qrcodeId: onScan });

    const declined = (await t.create()).qrcodeId;
    await handle(scanOf(declined, 'o-d'));
    expect(await handle(textOf('no', 'o-d'))).toEqual({
      outcome: 'CANCELLED',
      qrcodeId: declined,
      replyText: said('cancelled'),
    });

    const refused = (await t.create()).qrcodeId;
    await handle(scanOf(refused, 'o-switch'));
    expect(await handle(textOf('OK', 'o-switch'))).toEqual({
      outcome: 'CANCELLED',
      qrcodeId: refused,
      replyText: said('expired'),
    });

    const crowded: string[] = [];
    for (let i = 0; i < 5; i++) crowded.push((await t.create()).qrcodeId);
    for (const code of crowded.slice(0, 4)) expect((await handle(scanOf(code, 'o-e'))).outcome).toBe('SCANNED');
    expect(await handle(scanOf(crowded[4], 'o-e'))).toEqual({
      outcome: 'CANCELLED',
      qrcodeId: crowded[4],
      replyText: said('cancelled'),
    });

    const late = (await t.create()).qrcodeId;
    await handle(scanOf(late, 'o-f'));
    t.h.clock.skip(30_000);
    expect(await handle(textOf('OK', 'o-f'))).toEqual({
      outcome: 'CANCELLED',
      qrcodeId: late,
      replyText: said('expired'),
    });
  });

  it('passes on a store failure while scanning or confirming, whether or not it is a QrLoginError', async () => {
    const store = memoryStoreKind.make();
    const write = store.compareAndSet.bind(store);
    let failure: unknown;
    store.compareAndSet = (...args) => (failure === undefined ? write(...args) : Promise.reject(failure));
    const t = await start({ core: { store } });
    const service = t.h.app.get(QrLoginWechatService);
    const unavailable = new QrLoginError('QR_STORE_UNAVAILABLE', 'the store cannot be reached');
    const lost = new Error('the connection to the store was lost');
    for (const error of [unavailable, lost]) {
      const id = (await t.create()).qrcodeId;
      failure = error;
      await expect(service.handleOfficialAccountMessage('oa', scanOf(id, 'o-scan'))).rejects.toBe(error);
      failure = undefined;
      expect((await t.status(id)).status).toBe('PENDING');
    }
    for (const [i, error] of [unavailable, lost].entries()) {
      const id = (await t.create()).qrcodeId;
      expect((await service.handleOfficialAccountMessage('oa', scanOf(id, `o-${i}`))).outcome).toBe('SCANNED');
      failure = error;
      await expect(service.handleOfficialAccountMessage('oa', textOf('OK', `o-${i}`))).rejects.toBe(error);
      failure = undefined;
      expect((await t.status(id)).status).toBe('SCANNED');
    }
  });
});
