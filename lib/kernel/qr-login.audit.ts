import { Observable, Subject } from 'rxjs';
import type { QrLoginClock, QrLoginTimer } from './qr-login.clock';
import { statusAt } from './qr-login.visibility';
import type { QrCodeRecord } from './interfaces/qr-code.interface';
import type { QrLoginEvent, QrLoginEventType } from './interfaces/qr-login-events.interface';

/**
 * The lifecycle events of this process (`QrLoginService.events$`), and the
 * one timer per open code that reports `expired` when nobody finished it.
 * @internal
 */
export class QrLoginAudit {
  private readonly events = new Subject<QrLoginEvent>();
  /** Codes created here that are still open: checked at their expiry to report `expired`. */
  private readonly expiryChecks = new Map<string, QrLoginTimer>();

  constructor(
    private readonly clock: QrLoginClock,
    private readonly read: (id: string) => Promise<QrCodeRecord | null>,
  ) {}

  get events$(): Observable<QrLoginEvent> {
    return this.events.asObservable();
  }

  /** Expiry checks armed right now. */
  get pendingExpiryChecks(): number {
    return this.expiryChecks.size;
  }

  /** Reports a new code and arms the check that reports its expiry. */
  opened(record: QrCodeRecord): void {
    this.emit('created', record);
    const timer = this.clock.setTimeout(
      () => {
        this.expiryChecks.delete(record.id);
        this.read(record.id).then(
          (latest) => {
            // Ended records outlive their expiry, so a record already gone was still open when its lifetime ended.
            if (latest === null || (!latest.replacedBy && statusAt(latest, this.clock.now()) === 'EXPIRED')) {
              this.emit('expired', latest ?? record);
            }
          },
          // Nothing to report when the store cannot be read; the code is gone either way.
          () => undefined,
        );
      },
      Math.max(record.expiresAt - this.clock.now(), 0) + 5,
    );
    this.expiryChecks.set(record.id, timer);
  }

  /** Reports a change; codes that ended need no expiry check any more. */
  emit(type: QrLoginEventType, record: QrCodeRecord, extra: Partial<QrLoginEvent> = {}): void {
    if (type === 'authorized' || type === 'cancelled' || type === 'rotated') this.closeExpiryCheck(record.id);
    if (!this.events.observed) return;
    const stepStartedAt = stepStartOf(type, record);
    this.events.next({
      type,
      qrcodeId: record.id,
      at: this.clock.now(),
      requester: record.requester,
      flow: record.flow ?? 'qr',
      ...(record.binding ? { via: record.binding.via } : {}),
      ...(stepStartedAt === undefined ? {} : { stepStartedAt }),
      ...extra,
    });
  }

  /** Reports a refusal of an action. */
  refused(qrcodeId: string, action: QrLoginEvent['action'], code: string, userId?: string): void {
    if (!this.events.observed) return;
    this.events.next({ type: 'refused', qrcodeId, at: this.clock.now(), action, code, ...(userId ? { userId } : {}) });
  }

  /** Reports a plugin's `accepted` / `refused` event as given (the time is added). */
  report(event: Omit<QrLoginEvent, 'at'>): void {
    if (!this.events.observed) return;
    this.events.next({ ...event, at: this.clock.now() });
  }

  close(): void {
    for (const timer of this.expiryChecks.values()) this.clock.clearTimeout(timer);
    this.expiryChecks.clear();
    this.events.complete();
  }

  private closeExpiryCheck(qrcodeId: string): void {
    const timer = this.expiryChecks.get(qrcodeId);
    if (timer === undefined) return;
    this.clock.clearTimeout(timer);
    this.expiryChecks.delete(qrcodeId);
  }
}

/** When the step that `type` ends began, from the record (see `QrLoginEvent.stepStartedAt`). */
function stepStartOf(type: QrLoginEventType, record: QrCodeRecord): number | undefined {
  if (type === 'scanned') return record.createdAt;
  if (type === 'authorized') return record.scannedBy?.scannedAt;
  if (type === 'redeemed') return record.endedAt;
  return undefined;
}
