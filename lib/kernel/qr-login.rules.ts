import { qrErrors } from './qr-login.errors';
import { safeEqual } from './qr-login.ids';
import { BY_ID, assertReach, matchOf, type PhoneReach } from './qr-login.reach';
import { bindingOf, creatorRefusal, mayRedeem, seesAll, statusAt } from './qr-login.visibility';
import { normalizeUserCode } from './user-code.format';
import { passkeyChallengeOf } from './qr-login.passkey-challenge';
import { passkeyErrors } from './qr-login-passkey.errors';
import type { BriefUserInfo, QrCodeAction, QrCodeProof, QrCodeRecord } from './interfaces/qr-code.interface';

/*
 * The state machine as plain functions of (record, actor, now): no Nest, no
 * HTTP, no store, no clock. Each decision returns the next record (a copy),
 * `undefined` for "nothing to change", or throws a `QrLoginError`. The
 * service only runs them inside its compare-and-set loop, so every rule
 * lives here once; what a reader may see is `qr-login.visibility.ts`, how a
 * phone reaches a code `qr-login.reach.ts`.
 */

/**
 * Codes that ended (authorized or cancelled) are kept this long past their
 * expiry, in ms, so late readers still see how they ended.
 * @internal
 */
export const TERMINAL_GRACE_MS = 5_000;

/** Refuses any action on a code whose lifetime has passed. */
function assertLive(record: QrCodeRecord, now: number): void {
  if (statusAt(record, now) === 'EXPIRED') throw qrErrors.expired();
}

function assertScannedBy(record: QrCodeRecord, userId: string, action: QrCodeAction): void {
  if (record.status !== 'SCANNED') throw qrErrors.wrongState(record.status, action);
  if (record.scannedBy?.userId !== userId) throw qrErrors.notScanner();
}

/**
 * SCAN by an app user: PENDING becomes SCANNED; the same user's repeated scan
 * changes nothing (and keeps how the first one arrived, so a second scan
 * cannot skip a pick the first one owes). A code bound to its user code is
 * refused when named by id.
 * @internal
 */
export function decideScan(
  record: QrCodeRecord,
  actor: { userId: string; briefUserInfo: BriefUserInfo },
  now: number,
  reach: PhoneReach = BY_ID,
): QrCodeRecord | undefined {
  assertReach(record, reach);
  assertLive(record, now);
  if (record.status === 'SCANNED') {
    // The same phone may repeat its scan (a retry after a lost answer).
    if (record.scannedBy?.userId === actor.userId) return undefined;
    throw qrErrors.alreadyScanned();
  }
  if (record.status !== 'PENDING' || record.replacedBy) throw qrErrors.wrongState(statusAt(record, now), 'SCAN');
  return {
    ...record,
    status: 'SCANNED',
    scannedBy: {
      userId: actor.userId,
      briefUserInfo: actor.briefUserInfo,
      scannedAt: now,
      // Only what the request proves counts as typed; a user code with no word on how it came is a link's.
      ...(reach.by === 'user-code' ? { entry: reach.entry === 'typed' ? 'typed' : 'link' } : {}),
    },
  };
}

/** What CONFIRM decided: the next record, and whether it is a cancellation for a wrong match number. @internal */
export interface ConfirmDecision {
  record: QrCodeRecord;
  mismatch: boolean;
}

/**
 * CONFIRM by the user who scanned: SCANNED becomes AUTHORIZED with the given
 * single-use ticket. With number matching, a missing number is refused and a
 * wrong one cancels the code; a device flow reached by a link is matched the
 * same way on its user code (see `matchOf`). A code the scan marked for a
 * passkey (`approval`) is confirmed only with `passkeyChallenge`, the
 * challenge a verified assertion signed, equal to the one derived from this
 * record (403 `QR_PASSKEY_REQUIRED` without it, `QR_PASSKEY_INVALID` otherwise).
 * @internal
 */
export function decideConfirm(
  record: QrCodeRecord,
  actor: { userId: string; matchCode?: string; passkeyChallenge?: string },
  ticket: { value: string; ttlMs: number },
  now: number,
  reach: PhoneReach = BY_ID,
): ConfirmDecision {
  assertReach(record, reach);
  assertLive(record, now);
  assertScannedBy(record, actor.userId, 'CONFIRM');
  if (!matchHolds(record, actor.matchCode))
    return { record: endAs(record, 'CANCELLED', now, 'MATCH_FAILED'), mismatch: true };
  // A code the scan marked for a passkey is confirmed only over the challenge derived from this very record.
  const challenge = passkeyChallengeOf(record);
  if (challenge !== undefined) {
    if (actor.passkeyChallenge === undefined) throw passkeyErrors.required();
    if (!safeEqual(actor.passkeyChallenge, challenge)) throw passkeyErrors.invalid('signed for another challenge');
  }
  const expiresAt = now + ticket.ttlMs;
  return {
    record: {
      ...record,
      status: 'AUTHORIZED',
      ticket: { value: ticket.value, expiresAt },
      endedAt: now,
      retainUntil: Math.max(record.expiresAt + TERMINAL_GRACE_MS, expiresAt),
    },
    mismatch: false,
  };
}

/**
 * Whether the picked number (or user code) is the one the code asks for;
 * true when the code asks for none. A missing pick is refused outright.
 * @internal
 */
export function matchHolds(record: QrCodeRecord, picked: string | undefined): boolean {
  const match = matchOf(record);
  if (!match) return true;
  if (picked === undefined || picked === '')
    throw match.kind === 'number' ? qrErrors.matchRequired() : qrErrors.userCodeMatchRequired();
  if (match.kind === 'number') return safeEqual(String(picked), record.match!.code);
  // Fail closed: choices with no user code of their own (a record no issuer writes) match no pick.
  return record.userCode !== undefined && safeEqual(normalizeUserCode(picked) ?? '', record.userCode);
}

/** CANCEL by the user who scanned: SCANNED becomes CANCELLED. @internal */
export function decideCancel(
  record: QrCodeRecord,
  actor: { userId: string },
  now: number,
  reach: PhoneReach = BY_ID,
): QrCodeRecord {
  assertReach(record, reach);
  assertLive(record, now);
  assertScannedBy(record, actor.userId, 'CANCEL');
  return endAs(record, 'CANCELLED', now);
}

/**
 * A cancellation decided by the site rather than the user (e.g. a risk policy
 * that says no): any open code becomes CANCELLED with `reason`.
 * @internal
 */
export function decideRefusal(record: QrCodeRecord, reason: string, now: number): QrCodeRecord | undefined {
  const status = statusAt(record, now);
  if (status !== 'PENDING' && status !== 'SCANNED') return undefined;
  return endAs(record, 'CANCELLED', now, reason);
}

function endAs(record: QrCodeRecord, status: 'CANCELLED', now: number, reason?: string): QrCodeRecord {
  const next: QrCodeRecord = { ...record, status, endedAt: now, retainUntil: record.expiresAt + TERMINAL_GRACE_MS };
  if (reason) next.cancelReason = reason;
  return next;
}

/**
 * Redeems the ticket once. The binding is checked before anything about the
 * ticket is told, so a stranger holding a ticket learns nothing from the
 * answer (not even whether it is used or expired).
 * @internal
 */
export function decideRedeem(
  record: QrCodeRecord,
  ticket: string,
  proof: QrCodeProof | undefined,
  now: number,
): QrCodeRecord {
  if (!mayRedeem(record, proof)) {
    throw bindingOf(record).redeem === 'client' ? qrErrors.ticketInvalid() : creatorRefusal(record, proof);
  }
  const current = record.ticket;
  if (record.status !== 'AUTHORIZED' || !current || !safeEqual(current.value, ticket)) throw qrErrors.ticketInvalid();
  if (current.redeemedAt !== undefined) throw qrErrors.ticketUsed();
  if (now >= current.expiresAt) throw qrErrors.ticketExpired();
  return { ...record, ticket: { ...current, redeemedAt: now } };
}

/**
 * Rotation: a still-PENDING code is ended (it reads EXPIRED from `now`) and
 * points at its successor, which moves the creator's streams along.
 * @internal
 */
export function decideRotate(record: QrCodeRecord, successorId: string, now: number): QrCodeRecord | undefined {
  if (record.status !== 'PENDING' || record.replacedBy || now >= record.expiresAt) return undefined;
  return { ...record, replacedBy: successorId, expiresAt: now };
}

/** Whether a code can still be rotated by its creator's stream at `now`. @internal */
export function isRotatable(record: QrCodeRecord, now: number): boolean {
  return record.status === 'PENDING' && !record.replacedBy && now < record.expiresAt;
}

/** How a polling client is paced: the interval it was told, and how much each too-early poll adds (RFC 8628 §3.5: 5 s). */
export interface PollPace {
  intervalMs: number;
  slowDownMs: number;
}

/**
 * What a poll decided: the next record (undefined: nothing to change), and whether the poll came too soon.
 * @internal
 */
export interface PollDecision {
  record: QrCodeRecord | undefined;
  slowDown: boolean;
  /** The interval asked of the client from now on, ms. */
  intervalMs: number;
}

/**
 * A status poll by a client that was told an interval. Only a reader who
 * sees all may poll (anyone else could slow the rightful client down). While
 * the code is open, a poll sooner than the interval after the last one is
 * "too soon": the interval grows by `slowDownMs` and stays grown. An ended
 * code is answered as it is, at once, and changes nothing.
 * @internal
 */
export function decidePoll(
  record: QrCodeRecord,
  proof: QrCodeProof | undefined,
  pace: PollPace,
  now: number,
): PollDecision {
  if (!seesAll(record, proof)) throw creatorRefusal(record, proof);
  const intervalMs = record.poll?.intervalMs ?? pace.intervalMs;
  const status = statusAt(record, now);
  if (status !== 'PENDING' && status !== 'SCANNED') return { record: undefined, slowDown: false, intervalMs };
  if (record.poll && now - record.poll.lastAt < intervalMs) {
    const grown = intervalMs + pace.slowDownMs;
    return { record: { ...record, poll: { lastAt: now, intervalMs: grown } }, slowDown: true, intervalMs: grown };
  }
  return { record: { ...record, poll: { lastAt: now, intervalMs } }, slowDown: false, intervalMs };
}
