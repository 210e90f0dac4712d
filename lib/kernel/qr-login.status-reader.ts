import type { QrLoginClock } from './qr-login.clock';
import type { QrCodeRepository } from './qr-code.repository';
import type { QrLoginRotator } from './qr-login.rotator';
import { QrLoginError, qrErrors } from './qr-login.errors';
import { decidePoll, type PollPace } from './qr-login.rules';
import { bindingOf, requestOf, statusAt, viewOf } from './qr-login.visibility';
import type { QrCodeProof, QrCodeRecord } from './interfaces/qr-code.interface';
import type {
  QrCodeInfo,
  QrCodeStatusView,
  QrLoginPollResult,
  QrUserCodeRequest,
} from './interfaces/qr-login-views.interface';
import { QR_LOGIN_NO_INSTRUMENTATION, type QrLoginInstrumentation } from './interfaces/qr-login-instrumentation.port';

/** Reads: the status view (a page's poll), what a plugin may know of a code, a paced poll, the image file. @internal */
export class QrLoginStatusReader {
  constructor(
    private readonly repository: QrCodeRepository,
    private readonly clock: QrLoginClock,
    private readonly rotator: QrLoginRotator,
    private readonly instrumentation: QrLoginInstrumentation = QR_LOGIN_NO_INSTRUMENTATION,
  ) {}

  /** The current status, as much of it as `proof` lets the reader see; measured as a `poll`. */
  status(qrcodeId: string, proof: QrCodeProof | undefined): Promise<QrCodeStatusView> {
    return this.instrumentation.run('poll', qrcodeId, async () => {
      const record = await this.repository.find(qrcodeId);
      return record ? viewOf(record, proof, this.clock.now()) : { qrcodeId, status: 'EXPIRED' };
    });
  }

  /** The image file of a native code and how long it may be cached (its remaining life, in s). */
  async image(qrcodeId: string): Promise<{ contentType: string; body: Buffer; maxAgeSeconds: number }> {
    const record = await this.repository.find(qrcodeId);
    const now = this.clock.now();
    if (record === null || statusAt(record, now) === 'EXPIRED') throw qrErrors.expired();
    if (record.type !== 'MOBILE_APP') throw qrErrors.notFound();
    const image = await this.rotator.image(qrcodeId);
    return { ...image, maxAgeSeconds: Math.max(0, Math.floor((record.expiresAt - now) / 1000)) };
  }

  /** What the code asks of a phone (see `requestOf`); 410 once the store forgot it. */
  async request(qrcodeId: string): Promise<QrUserCodeRequest> {
    const record = await this.repository.find(qrcodeId);
    if (record === null) throw qrErrors.expired();
    return requestOf(record, this.clock.now());
  }

  async inspect(qrcodeId: string): Promise<QrCodeInfo> {
    const record = await this.repository.find(qrcodeId);
    const now = this.clock.now();
    if (record === null || statusAt(record, now) === 'EXPIRED') throw qrErrors.expired();
    return {
      qrcodeId,
      type: record.type,
      status: statusAt(record, now),
      binding: bindingOf(record),
      requester: record.requester,
      expiresAt: record.expiresAt,
      ...(record.scannedBy ? { scannedAt: record.scannedBy.scannedAt } : {}),
      ...(record.customData ? { customData: record.customData } : {}),
      ...(record.context ? { context: record.context } : {}),
    };
  }

  /** A paced status read (`QrLoginService.poll`), measured as a `poll` like a plain one. */
  poll(qrcodeId: string, proof: QrCodeProof, pace: PollPace): Promise<QrLoginPollResult> {
    return this.instrumentation.run('poll', qrcodeId, () => this.pacedPoll(qrcodeId, proof, pace));
  }

  private async pacedPoll(qrcodeId: string, proof: QrCodeProof, pace: PollPace): Promise<QrLoginPollResult> {
    let slowDown = false;
    let intervalMs = pace.intervalMs;
    let record: QrCodeRecord;
    try {
      ({ record } = await this.repository.update(qrcodeId, (current, now) => {
        const decision = decidePoll(current, proof, pace, now);
        slowDown = decision.slowDown;
        intervalMs = decision.intervalMs;
        return decision.record;
      }));
    } catch (error) {
      if (error instanceof QrLoginError && error.code === 'QR_EXPIRED')
        return { view: { qrcodeId, status: 'EXPIRED' }, slowDown: false, intervalMs };
      throw error;
    }
    return { view: viewOf(record, proof, this.clock.now()), slowDown, intervalMs };
  }
}
