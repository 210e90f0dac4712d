import { Observable, type Subscription } from 'rxjs';
import type { QrLoginClock, QrLoginTimer } from './qr-login.clock';
import { QrLoginError, QrLoginStoreUnavailableError, qrErrors } from './qr-login.errors';
import { isTerminalStatus, seesAll, statusAt, viewOf } from './qr-login.visibility';
import type { QrCodeRepository } from './qr-code.repository';
import type { QrCodeProof, QrCodeRecord } from './interfaces/qr-code.interface';
import type { QrLoginStore } from './interfaces/qr-login-store.interface';
import type { QrCodeStatusView } from './interfaces/qr-login-views.interface';
import { QR_LOGIN_NO_INSTRUMENTATION, type QrLoginInstrumentation } from './interfaces/qr-login-instrumentation.port';

/** What a stream needs to follow a rotation: the successor's rendering, and the rotation itself. @internal */
export interface QrLoginRotation {
  /** Milliseconds between rotations of an unscanned code; undefined for none. */
  everyMs?: number;
  rotate(qrcodeId: string): Promise<void>;
  render(qrcodeId: string): Promise<{ url: string; payload: string }>;
}

/**
 * The status stream of one code (`QrLoginService.watch`): the current status,
 * then every change, completing by itself after a terminal status (EXPIRED
 * included, announced when the lifetime passes even if nothing else happens).
 * Store errors arrive as one `ERROR` status. The creator's stream rotates an
 * unscanned code on schedule and follows it; anyone else's ends with EXPIRED.
 * Each stream is measured from its subscription to its end (`openStream`).
 * @internal
 */
export class QrLoginWatcher {
  private active = 0;

  constructor(
    private readonly repository: QrCodeRepository,
    private readonly changes: (id: string) => ReturnType<QrLoginStore['watch']>,
    private readonly clock: QrLoginClock,
    private readonly rotation: QrLoginRotation,
    private readonly instrumentation: QrLoginInstrumentation = QR_LOGIN_NO_INSTRUMENTATION,
  ) {}

  /** Streams open right now. */
  get activeCount(): number {
    return this.active;
  }

  watch(qrcodeId: string, proof: QrCodeProof | undefined): Observable<QrCodeStatusView> {
    return new Observable<QrCodeStatusView>((subscriber) => {
      this.active++;
      const measured = this.instrumentation.openStream(qrcodeId);
      // The terminal status the stream ended on, for the measure (none when the reader leaves first).
      let ended: QrCodeStatusView | undefined;
      const clock = this.clock;
      let currentId = qrcodeId;
      let lastVersion = 0;
      let feed: Subscription | undefined;
      let expiryTimer: QrLoginTimer | undefined;
      let rotationTimer: QrLoginTimer | undefined;
      // Changes that arrive while the stream moves to a rotated code wait here.
      let held: QrCodeRecord[] | undefined;
      const emit = (view: QrCodeStatusView) => {
        if (subscriber.closed) return;
        const terminal = isTerminalStatus(view.status);
        // Noted first: a subscriber may unsubscribe from within `next`, which runs the teardown at once.
        if (terminal) ended = view;
        subscriber.next(view);
        if (terminal) subscriber.complete();
      };
      const fail = (error: unknown) => {
        const refusal = error instanceof QrLoginStoreUnavailableError ? qrErrors.storeUnavailable() : error;
        if (!(refusal instanceof QrLoginError)) {
          ended = { qrcodeId: currentId, status: 'ERROR' };
          return subscriber.error(error);
        }
        emit({ qrcodeId: currentId, status: 'ERROR', code: refusal.code, message: refusal.message });
      };
      const clearTimers = () => {
        if (expiryTimer !== undefined) clock.clearTimeout(expiryTimer);
        if (rotationTimer !== undefined) clock.clearTimeout(rotationTimer);
        expiryTimer = rotationTimer = undefined;
      };
      const onRecord = (record: QrCodeRecord | null) => {
        if (held) return void (record && held.push(record));
        if (record === null) return emit({ qrcodeId: currentId, status: 'EXPIRED' });
        if (record.id !== currentId || record.version <= lastVersion) return;
        lastVersion = record.version;
        if (record.replacedBy) {
          // Only a reader who sees all follows a rotation; anyone else saw a code that is now dead.
          if (seesAll(record, proof)) return moveTo(record.replacedBy, record.id);
          return emit({ qrcodeId: currentId, status: 'EXPIRED' });
        }
        emit(viewOf(record, proof, clock.now()));
        armTimers(record);
      };
      // At the expiry the record may be unchanged (same version) yet read EXPIRED now, so this bypasses the version check.
      const checkExpiry = (record: QrCodeRecord | null) => {
        if (record === null || record.version > lastVersion) return onRecord(record);
        const view = viewOf(record, proof, clock.now());
        if (isTerminalStatus(view.status)) emit(view);
      };
      const moveTo = (nextId: string, previousId: string) => {
        follow(nextId);
        held = [];
        Promise.all([this.repository.get(nextId), this.rotation.render(nextId)]).then(([record, rendering]) => {
          const waiting = held ?? [];
          held = undefined;
          if (record === null) return emit({ qrcodeId: nextId, status: 'EXPIRED' });
          lastVersion = record.version;
          emit({
            ...viewOf(record, proof, clock.now()),
            url: rendering.url,
            payload: rendering.payload,
            rotatedFrom: previousId,
          });
          armTimers(record);
          for (const later of waiting) onRecord(later);
        }, fail);
      };
      // Timers of an open code: the expiry check and, for the creator of an unscanned code, the next rotation.
      const armTimers = (record: QrCodeRecord) => {
        if (isTerminalStatus(statusAt(record, clock.now()))) return;
        const everyMs = this.rotation.everyMs;
        const rotates = everyMs !== undefined && record.status === 'PENDING' && record.type === 'MOBILE_APP';
        if (rotates && rotationTimer === undefined && seesAll(record, proof)) {
          rotationTimer = clock.setTimeout(() => {
            rotationTimer = undefined;
            // The change feed then carries the old record's `replacedBy`, which moves this stream.
            this.rotation.rotate(currentId).catch(fail);
          }, everyMs);
        }
        if (expiryTimer === undefined) {
          expiryTimer = clock.setTimeout(
            () => {
              expiryTimer = undefined;
              this.repository.get(currentId).then(checkExpiry, fail);
            },
            Math.max(record.expiresAt - clock.now(), 0) + 5,
          );
        }
      };
      // Subscribe to changes before reading, so nothing between the two is lost; versions drop what arrives twice.
      const follow = (id: string) => {
        feed?.unsubscribe();
        clearTimers();
        currentId = id;
        lastVersion = 0;
        feed = this.changes(id).subscribe({ next: onRecord, error: fail });
      };
      follow(qrcodeId);
      this.repository.get(qrcodeId).then(onRecord, fail);
      return () => {
        feed?.unsubscribe();
        clearTimers();
        this.active--;
        measured(ended?.status, ended?.code);
      };
    });
  }
}
