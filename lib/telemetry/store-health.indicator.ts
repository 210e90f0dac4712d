import { Inject, Injectable } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { QR_LOGIN_STORE, type QrLoginStore } from '../plugin';
import { storeKindOf } from './telemetry.attributes';

/** An id no code has (ids are base64url; `.` is not in that alphabet), read to see that the store answers. */
const PROBE_ID = 'health.probe';

/** How long the store has to answer before it counts as down, in ms. Default 1000. */
export const QR_LOGIN_HEALTH_TIMEOUT_MS = 1_000;

/**
 * A `@nestjs/terminus` health indicator for the store `QrLoginModule` runs
 * on: up when the store answers a read of a code that does not exist within
 * the timeout, down (with the reason) when it fails or is late. Use it in a
 * `HealthCheckService.check([() => indicator.isHealthy()])`. It returns
 * Terminus's result shape and needs nothing from `@nestjs/terminus` at run time.
 */
@Injectable()
export class QrLoginStoreHealthIndicator {
  constructor(@Inject(QR_LOGIN_STORE) private readonly store: QrLoginStore) {}

  /** `key` names the entry in the health report (default `qr_login_store`); `timeoutMs` defaults to 1000. */
  async isHealthy(key = 'qr_login_store', timeoutMs = QR_LOGIN_HEALTH_TIMEOUT_MS): Promise<HealthIndicatorResult> {
    const store = storeKindOf(this.store);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`The store did not answer within ${timeoutMs} ms.`)), timeoutMs);
    });
    try {
      await Promise.race([this.store.get(PROBE_ID), late]);
      return { [key]: { status: 'up', store } };
    } catch (error) {
      return { [key]: { status: 'down', store, message: (error as Error).message } };
    } finally {
      clearTimeout(timer);
    }
  }
}
