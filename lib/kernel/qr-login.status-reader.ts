import type { QrLoginClock } from './qr-login.clock';
import type { QrCodeRepository } from './qr-code.repository';
import type { QrLoginRotator } from './qr-login.rotator';
import { QrLoginError, qrErrors } from './qr-login.errors';
import { decidePoll, type PollPace } from './qr-login.rules';
import { bindingOf, requestOf, statusAt, viewOf } from './qr-login.visibility';
import type { QrCodeProof, QrCodeRecord } from './interfaces/qr-code.interface';
import type { QrCodeInfo, QrLoginPollResult, QrUserCodeRequest } from './interfaces/qr-login-views.interface';

/** Reads that are more than a status view: what a plugin may know of a code, a paced poll, the image file. @internal */
export class QrLoginStatusReader {
  constructor(
    private readonly repository: QrCodeRepository,
    private readonly clock: QrLoginClock,
    private readonly rotator: QrLoginRotator,
  ) {}

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

  async poll(qrcodeId: string, proof: QrCodeProof, pace: PollPace): Promise<QrLoginPollResult> {
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
