import { Logger } from '@nestjs/common';
import type { QrCodeInfo } from '../../plugin';
import type { WechatLoginContext } from './wechat-login.context';
import { WECHAT_NOT_CONFIRMED, WECHAT_SUPERSEDED } from './wechat.constants';
import type { WechatOfficialAccountConnection } from './interfaces/wechat-options.interface';

// Internal to the WeChat plugin; not part of the public API.

/** Scope of the pending-confirmation aliases in the store. */
const PENDING_SCOPE = 'wechat-pending';
/**
 * Aliases a WeChat user's pending confirmations through a few slots: a store
 * alias cannot be re-pointed before it expires, so each scan takes a free one
 * and a reply looks at all of them. Bounds one user's scans per code lifetime.
 */
const PENDING_SLOTS = 4;

/**
 * The official-account codes that wait for their WeChat user's reply, by
 * openid: kept as store aliases, so a reply may reach any instance, and
 * cancelled at their confirmation deadline by a timer on the kernel's clock
 * in the instance that took the scan (expiry covers the rest).
 * @internal
 */
export class WechatPendingConfirmations {
  private readonly logger = new Logger('QrLoginWechat');
  /** Confirmation deadlines armed by this process (kernel clock timers), by code id. */
  private readonly deadlines = new Map<string, unknown>();

  constructor(private readonly context: WechatLoginContext) {}

  /**
   * Points one of the user's pending slots at the code until `deadline`,
   * first cancelling any earlier code still waiting for this user's reply (a
   * reply must confirm the code the user scanned last). False when every slot is taken.
   */
  async remember(
    connection: WechatOfficialAccountConnection,
    openid: string,
    qrcodeId: string,
    deadline: number,
  ): Promise<boolean> {
    const core = this.context.core;
    for (const older of await this.codes(connection, openid)) {
      if (older.qrcodeId === qrcodeId) continue;
      await core.refuse(older.qrcodeId, WECHAT_SUPERSEDED);
      this.disarm(older.qrcodeId);
    }
    for (let slot = 0; slot < PENDING_SLOTS; slot++) {
      if (await core.setAlias(PENDING_SCOPE, `${connection.id}:${openid}:${slot}`, qrcodeId, deadline)) return true;
    }
    return false;
  }

  /** The code waiting for this user's reply (the one scanned last), if any. */
  async latest(connection: WechatOfficialAccountConnection, openid: string): Promise<QrCodeInfo | null> {
    const codes = await this.codes(connection, openid);
    return codes.sort((a, b) => (b.scannedAt ?? 0) - (a.scannedAt ?? 0))[0] ?? null;
  }

  /** Cancels the code at its confirmation deadline if it is still waiting (kernel clock; this process only, expiry covers the rest). */
  arm(qrcodeId: string, inMs: number): void {
    const clock = this.context.core.settings.clock;
    this.disarm(qrcodeId);
    const timer = clock.setTimeout(
      () => {
        this.deadlines.delete(qrcodeId);
        void this.context
          .liveCode(qrcodeId)
          .then((code) =>
            code?.status === 'SCANNED' ? this.context.core.refuse(qrcodeId, WECHAT_NOT_CONFIRMED) : undefined,
          )
          .catch((error) =>
            this.logger.warn(
              `Could not cancel unconfirmed code ${qrcodeId}: ${String((error as Error)?.message ?? error)}`,
            ),
          );
      },
      Math.max(0, inMs),
    );
    this.deadlines.set(qrcodeId, timer);
  }

  disarm(qrcodeId: string): void {
    const timer = this.deadlines.get(qrcodeId);
    if (timer === undefined) return;
    this.context.core.settings.clock.clearTimeout(timer);
    this.deadlines.delete(qrcodeId);
  }

  /** Drops every armed deadline (the module is shutting down). */
  clear(): void {
    const clock = this.context.hasCore ? this.context.core.settings.clock : undefined;
    for (const timer of this.deadlines.values()) clock?.clearTimeout(timer);
    this.deadlines.clear();
  }

  private async codes(connection: WechatOfficialAccountConnection, openid: string): Promise<QrCodeInfo[]> {
    const core = this.context.core;
    const ids = await Promise.all(
      Array.from({ length: PENDING_SLOTS }, (_, slot) =>
        core.resolveAlias(PENDING_SCOPE, `${connection.id}:${openid}:${slot}`),
      ),
    );
    const unique = [...new Set(ids.filter((id): id is string => id !== null))];
    const codes = await Promise.all(unique.map((id) => this.context.liveCode(id)));
    return codes.filter(
      (code): code is QrCodeInfo =>
        code !== null && code.status === 'SCANNED' && code.binding.connection === connection.id,
    );
  }
}
