import type { INestApplication } from '@nestjs/common';
import { QrLoginService, type QrLoginClock, type QrLoginEvent, type QrLoginModuleOptions } from '../../lib';
import type { QrLoginWechatModuleOptions } from '../../lib/plugins/wechat';
import type { AdapterName } from '../app/test-app';
import { nativeClient } from '../support/http';
import { ManualClock } from '../support/manual-clock';
import type { FakeWechatServer } from './fake-wechat.server';
import { OA, OA_AES, createWechatTestApp, startFakeWechat, type WechatUsers } from './wechat-test-app';

/**
 * The kernel's clock for the official-account specs: `advance` moves time and
 * fires the timers that fall due; `skip` moves it without firing them, as for
 * a timer that runs late (or on another instance).
 */
export class SteppedClock implements QrLoginClock {
  private readonly manual: ManualClock;
  private offset = 0;
  /**
   * Starts half-way through the current wall-clock second, so a code's
   * expiry (rounded up to a whole second) is its lifetime plus exactly 500 ms.
   */
  constructor(start = Math.floor(Date.now() / 1000) * 1000 + 500) {
    this.manual = new ManualClock(start);
  }
  now = (): number => this.manual.now() + this.offset;
  setTimeout = (callback: () => void, ms: number) => this.manual.setTimeout(callback, ms);
  clearTimeout = (timer: unknown) => this.manual.clearTimeout(timer as number);
  advance(ms: number): void {
    this.manual.advance(ms);
  }
  skip(ms: number): void {
    this.offset += ms;
  }
  /** Timers waiting to fire. */
  get pendingTimers(): number {
    return this.manual.pendingTimers;
  }
}

export interface OfficialAccountHarness {
  app: INestApplication;
  fake: FakeWechatServer;
  users: WechatUsers;
  clock: SteppedClock;
  api: ReturnType<typeof nativeClient>;
  /** Every event of `QrLoginService.events$` since start. */
  events: QrLoginEvent[];
  webhook(connectionId?: string): string;
  /** A push from WeChat to a connection's webhook (safe mode, the fixture's token, unless told otherwise). */
  push(
    push: Partial<Parameters<FakeWechatServer['push']>[1]>,
    connectionId?: string,
  ): ReturnType<FakeWechatServer['push']>;
  /** The passive reply's text of a push answer (decrypted), or null for "success". */
  replyOf(answer: { body: string }, plain?: boolean): string | null;
  close(): Promise<void>;
}

/**
 * An app with both modules over a fresh fake WeChat, its kernel on a
 * `SteppedClock`; the caller closes it (see `closedAfterEach`).
 */
export async function startOfficialAccountApp(
  opts: {
    adapter?: AdapterName;
    wechat?: Partial<QrLoginWechatModuleOptions>;
    core?: Partial<QrLoginModuleOptions>;
    users?: WechatUsers;
  } = {},
): Promise<OfficialAccountHarness> {
  const fake = await startFakeWechat();
  const clock = new SteppedClock();
  const started = await createWechatTestApp({
    adapter: opts.adapter ?? 'express',
    fake,
    users: opts.users,
    core: { clock, ...opts.core },
    wechat: opts.wechat,
  });
  const events: QrLoginEvent[] = [];
  started.app.get(QrLoginService).events$.subscribe((event) => events.push(event));
  const webhook = (connectionId = 'oa') => `${started.url}/qr-login/wechat/official-account/${connectionId}/events`;
  return {
    app: started.app,
    fake,
    users: started.users,
    clock,
    api: nativeClient(started.url),
    events,
    webhook,
    push: (push, connectionId = 'oa') =>
      fake.push(webhook(connectionId), { token: OA.token, openid: 'o-user', encrypt: OA_AES, ...push }),
    replyOf: (answer, plain = false) =>
      fake.readReply(answer.body, OA.token, plain ? undefined : OA_AES)?.Content ?? null,
    close: async () => {
      await started.app.close();
      await fake.stop();
    },
  };
}
