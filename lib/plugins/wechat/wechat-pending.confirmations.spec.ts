import { Logger, type LoggerService } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pluginKernel, RecordingMemoryStore, type PluginKernel } from '../../../test/support/plugin-kernel';
import { WechatLoginContext } from './wechat-login.context';
import { WechatPendingConfirmations } from './wechat-pending.confirmations';
import { resolveQrLoginWechatConfig } from './wechat.config';
import type { WechatOfficialAccountConnection } from './interfaces/wechat-options.interface';

/*
 * The official-account codes waiting for a WeChat user's reply, over the real
 * kernel service and memory store on a manual clock: the user's slots, which
 * code a reply finds, the superseding of older codes, and the confirmation
 * deadline, tried at and one millisecond short of it.
 */

const oa: WechatOfficialAccountConnection = {
  id: 'oa',
  type: 'WECHAT_OFFICIAL_ACCOUNT',
  appId: 'wxoa1',
  appSecret: 's1',
  token: 't1',
};
const oa2: WechatOfficialAccountConnection = { ...oa, id: 'oa2', appId: 'wxoa2' };
const wxUser = { id: 'wx-o1' };

let k: PluginKernel;
let store: RecordingMemoryStore;
let pending: WechatPendingConfirmations;

beforeEach(async () => {
  store = new RecordingMemoryStore();
  k = await pluginKernel({ store, numberMatching: false });
  const config = resolveQrLoginWechatConfig({ connections: [oa, oa2], findOrCreateUser: () => wxUser });
  pending = new WechatPendingConfirmations(new WechatLoginContext(config, k.kernel));
});
afterEach(async () => {
  pending?.clear();
  await k.close();
});

/** A code of `connection`, scanned by the WeChat user: its id and creator secret. */
async function scanned(connection = oa): Promise<{ id: string; secret: string }> {
  const created = await k.kernel.create(
    {},
    {},
    {
      binding: { reveal: 'creator', redeem: 'creator', via: 'wechat', connection: connection.id },
    },
  );
  await k.kernel.scan(created.qrcodeId, wxUser);
  return { id: created.qrcodeId, secret: created.creatorSecret };
}

/** The status of a code and why it was cancelled, as its creator sees them. */
async function statusOf(code: { id: string; secret: string }): Promise<string> {
  const view = await k.kernel.getStatus(code.id, { creatorSecrets: [code.secret] });
  return view.cancelReason ? `${view.status} ${view.cancelReason}` : view.status;
}

/** Lets the work a timer started (a read, then a refusal) finish. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Timers on the clock other than the kernel's own expiry checks: the deadlines armed here. */
const armed = () => k.clock.pendingTimers - k.kernel.pendingExpiryChecks;
const deadline = () => k.clock.now() + 60_000;
const pendingAliases = () => store.aliasCalls.filter((call) => call.alias.startsWith('wechat-pending:'));

describe('WechatPendingConfirmations.remember and latest', () => {
  it("points the user's first free slot of the connection at the code until the deadline", async () => {
    const code = await scanned();
    const until = deadline();
    expect(await pending.remember(oa, 'o1', code.id, until)).toBe(true);
    expect(pendingAliases()).toStrictEqual([
      { alias: 'wechat-pending:oa:o1:0', id: code.id, expiresAt: until, taken: true },
    ]);
    expect((await pending.latest(oa, 'o1'))?.qrcodeId).toBe(code.id);
    // Another user, or the same user of another connection, has nothing waiting.
    expect(await pending.latest(oa, 'o2')).toBeNull();
    expect(await pending.latest(oa2, 'o1')).toBeNull();
  });

  it('cancels the code the user scanned before as superseded, and a reply finds the new one', async () => {
    const older = await scanned();
    const newer = await scanned();
    await pending.remember(oa, 'o1', older.id, deadline());
    expect(await pending.remember(oa, 'o1', newer.id, deadline())).toBe(true);
    expect(await statusOf(older)).toBe('CANCELLED WECHAT_SUPERSEDED');
    expect(await statusOf(newer)).toBe('SCANNED');
    // Slot 0 still points at the older code until its deadline: the newer takes slot 1.
    expect(pendingAliases().map((call) => `${call.alias} ${call.taken}`)).toEqual([
      'wechat-pending:oa:o1:0 true',
      'wechat-pending:oa:o1:0 false',
      'wechat-pending:oa:o1:1 true',
    ]);
    expect((await pending.latest(oa, 'o1'))?.qrcodeId).toBe(newer.id);
  });

  it('leaves the same code waiting when it is remembered again', async () => {
    const code = await scanned();
    await pending.remember(oa, 'o1', code.id, deadline());
    expect(await pending.remember(oa, 'o1', code.id, deadline())).toBe(true);
    expect(await statusOf(code)).toBe('SCANNED');
  });

  it('takes four slots per user and code lifetime, and answers false for a fifth scan', async () => {
    for (let i = 0; i < 4; i++) expect(await pending.remember(oa, 'o1', (await scanned()).id, deadline())).toBe(true);
    const fifth = await scanned();
    expect(await pending.remember(oa, 'o1', fifth.id, deadline())).toBe(false);
    const tries = pendingAliases().map((call) => `${call.alias.slice(-1)}${call.taken ? '+' : '-'}`);
    expect(tries.join(' ')).toBe('0+ 0- 1+ 0- 1- 2+ 0- 1- 2- 3+ 0- 1- 2- 3-');
    // Slots belong to one user of one connection: another user starts at slot 0.
    expect(await pending.remember(oa, 'o2', fifth.id, deadline())).toBe(true);
  });

  it('finds the code scanned last among several waiting (as two instances may leave them)', async () => {
    const earlier = await scanned();
    k.clock.advance(1);
    const later = await scanned();
    // Another instance took slot 0 for the later scan, this one slot 1 for the earlier, neither saw the other's.
    await k.kernel.setAlias('wechat-pending', 'oa:o1:0', later.id, deadline());
    await k.kernel.setAlias('wechat-pending', 'oa:o1:1', earlier.id, deadline());
    expect((await pending.latest(oa, 'o1'))?.qrcodeId).toBe(later.id);
    await k.kernel.setAlias('wechat-pending', 'oa:o2:0', earlier.id, deadline());
    await k.kernel.setAlias('wechat-pending', 'oa:o2:1', later.id, deadline());
    expect((await pending.latest(oa, 'o2'))?.qrcodeId).toBe(later.id);
  });

  it('finds no code that ended, expired or belongs to another connection', async () => {
    const cancelled = await scanned();
    await k.kernel.cancel(cancelled.id, wxUser);
    const foreign = await scanned(oa2);
    await k.kernel.setAlias('wechat-pending', 'oa:o1:0', cancelled.id, deadline());
    await k.kernel.setAlias('wechat-pending', 'oa:o1:1', foreign.id, deadline());
    await k.kernel.setAlias('wechat-pending', 'oa:o1:2', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA', deadline());
    expect(await pending.latest(oa, 'o1')).toBeNull();
    const live = await scanned();
    await k.kernel.setAlias('wechat-pending', 'oa:o1:3', live.id, deadline());
    expect((await pending.latest(oa, 'o1'))?.qrcodeId).toBe(live.id);
    k.clock.advance(120_000 + 1_000);
    expect(await pending.latest(oa, 'o1')).toBeNull();
  });
});

describe('WechatPendingConfirmations deadlines', () => {
  it('cancels a code still waiting at its deadline as not confirmed, and not a millisecond before', async () => {
    const code = await scanned();
    pending.arm(code.id, 30_000);
    k.clock.advance(30_000 - 1);
    await settle();
    expect(await statusOf(code)).toBe('SCANNED');
    k.clock.advance(1);
    await settle();
    expect(await statusOf(code)).toBe('CANCELLED WECHAT_NOT_CONFIRMED');
  });

  it('leaves a code the user confirmed in time alone', async () => {
    const code = await scanned();
    pending.arm(code.id, 30_000);
    await k.kernel.confirm(code.id, wxUser);
    k.clock.advance(30_000);
    await settle();
    expect(await statusOf(code)).toBe('AUTHORIZED');
  });

  it('leaves a code that is not waiting for a reply alone at the deadline: one nobody scanned', async () => {
    const created = await k.kernel.create(
      {},
      {},
      {
        binding: { reveal: 'creator', redeem: 'creator', via: 'wechat', connection: oa.id },
      },
    );
    pending.arm(created.qrcodeId, 30_000);
    k.clock.advance(30_000);
    await settle();
    expect(await statusOf({ id: created.qrcodeId, secret: created.creatorSecret })).toBe('PENDING');
  });

  it('logs, and throws nothing, when the store cannot be read at the deadline', async () => {
    const warnings: unknown[][] = [];
    const quiet = () => undefined;
    const recorder: LoggerService = { log: quiet, error: quiet, warn: (...args: unknown[]) => warnings.push(args) };
    Logger.overrideLogger(recorder);
    try {
      const code = await scanned();
      pending.arm(code.id, 30_000);
      store.failReads = true;
      k.clock.advance(30_000);
      await settle();
      store.failReads = false;
      expect(warnings).toEqual([
        [`Could not cancel unconfirmed code ${code.id}: the store cannot be reached`, 'QrLoginWechat'],
      ]);
      expect(await statusOf(code)).toBe('SCANNED');
    } finally {
      Logger.overrideLogger(true);
    }
  });

  it('does nothing, and logs nothing, at the deadline of a code that ended meanwhile (expired)', async () => {
    const warnings: unknown[][] = [];
    const quiet = () => undefined;
    Logger.overrideLogger({ log: quiet, error: quiet, warn: (...args: unknown[]) => warnings.push(args) });
    try {
      const code = await scanned();
      // Past the code's life (120 s): the deadline finds no live code.
      pending.arm(code.id, 125_000);
      k.clock.advance(125_000);
      await settle();
      expect(warnings).toEqual([]);
      expect(armed()).toBe(0);
    } finally {
      Logger.overrideLogger(true);
    }
  });

  it('names what the store threw at the deadline even when it is no Error', async () => {
    const warnings: unknown[][] = [];
    const quiet = () => undefined;
    Logger.overrideLogger({ log: quiet, error: quiet, warn: (...args: unknown[]) => warnings.push(args) });
    try {
      const code = await scanned();
      pending.arm(code.id, 30_000);
      const get = store.get;
      store.get = () => Promise.reject(undefined);
      k.clock.advance(30_000);
      await settle();
      store.get = get;
      expect(warnings).toEqual([[`Could not cancel unconfirmed code ${code.id}: undefined`, 'QrLoginWechat']]);
      expect(await statusOf(code)).toBe('SCANNED');
    } finally {
      Logger.overrideLogger(true);
    }
  });

  it('keeps one deadline per code: arming again replaces it', async () => {
    const code = await scanned();
    pending.arm(code.id, 10_000);
    pending.arm(code.id, 30_000);
    expect(armed()).toBe(1);
    k.clock.advance(10_000);
    await settle();
    expect(await statusOf(code)).toBe('SCANNED');
    k.clock.advance(20_000);
    await settle();
    expect(await statusOf(code)).toBe('CANCELLED WECHAT_NOT_CONFIRMED');
  });

  it('drops a deadline when disarmed, when its code is superseded, and all of them when cleared', async () => {
    const [a, b, c, d] = [await scanned(), await scanned(), await scanned(), await scanned()];
    expect(armed()).toBe(0);
    pending.arm(a.id, 30_000);
    expect(armed()).toBe(1);
    pending.disarm(a.id);
    expect(armed()).toBe(0);
    pending.disarm(a.id);
    // Disarming a code with no deadline (again) leaves the clock alone.
    const cleared: unknown[] = [];
    const clearTimeout = k.clock.clearTimeout.bind(k.clock);
    k.clock.clearTimeout = (timer) => {
      cleared.push(timer);
      clearTimeout(timer);
    };
    pending.disarm(a.id);
    pending.disarm(b.id);
    expect(cleared).toEqual([]);
    k.clock.clearTimeout = clearTimeout;
    pending.arm(b.id, 30_000);
    await pending.remember(oa, 'o1', b.id, deadline());
    expect(armed()).toBe(1);
    await pending.remember(oa, 'o1', c.id, deadline());
    expect(armed()).toBe(0);
    pending.arm(c.id, 30_000);
    pending.arm(d.id, 30_000);
    expect(armed()).toBe(2);
    pending.clear();
    expect(armed()).toBe(0);
    k.clock.advance(30_000);
    await settle();
    expect([await statusOf(a), await statusOf(c), await statusOf(d)]).toEqual(['SCANNED', 'SCANNED', 'SCANNED']);
  });

  it('clears nothing, and throws nothing, before the kernel is there', () => {
    const config = resolveQrLoginWechatConfig({ connections: [oa], findOrCreateUser: () => wxUser });
    expect(() => new WechatPendingConfirmations(new WechatLoginContext(config)).clear()).not.toThrow();
  });
});
