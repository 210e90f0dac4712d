import { qrErrors } from './qr-login.errors';
import { hashSecret, safeEqual } from './qr-login.ids';
import { formatUserCode, normalizeUserCode } from './user-code.format';
import type {
  BriefUserInfo,
  QrCodeAction,
  QrCodeBinding,
  QrCodeEntry,
  QrCodeFlow,
  QrCodeProof,
  QrCodeRecord,
  QrCodeStatus,
} from './interfaces/qr-code.interface';
import type { QrCodeStatusView, QrUserCodeRequest } from './interfaces/qr-login-views.interface';

/*
 * The state machine and the visibility rules as plain functions of
 * (record, actor, now): no Nest, no HTTP, no store, no clock. Each decision
 * returns the next record (a copy), `undefined` for "nothing to change", or
 * throws a `QrLoginError`. The service only runs them inside its
 * compare-and-set loop, so every rule lives here once.
 */

const TERMINAL: ReadonlySet<QrCodeStatus> = new Set(['AUTHORIZED', 'CANCELLED', 'EXPIRED', 'ERROR']);

/**
 * Codes that ended (authorized or cancelled) are kept this long past their
 * expiry, in ms, so late readers still see how they ended.
 */
export const TERMINAL_GRACE_MS = 5_000;

/** The binding of a record written before bindings existed: creator-bound, as native codes always were. */
const LEGACY_BINDING: QrCodeBinding = { reveal: 'creator', redeem: 'creator', via: 'native' };

/** Whether no further status can follow. */
export function isTerminalStatus(status: QrCodeStatus): boolean {
  return TERMINAL.has(status);
}

/** The status a reader sees at `now`: EXPIRED is derived from `expiresAt`, never stored. */
export function statusAt(record: QrCodeRecord, now: number): QrCodeStatus {
  if ((record.status === 'PENDING' || record.status === 'SCANNED') && now >= record.expiresAt) return 'EXPIRED';
  return record.status;
}

/** The record's binding. */
export function bindingOf(record: QrCodeRecord): QrCodeBinding {
  return record.binding ?? LEGACY_BINDING;
}

/** Whether the proof carries the creator's secret. Every candidate is compared, so timing does not tell which matched. */
export function provesCreator(record: QrCodeRecord, proof: QrCodeProof | undefined): boolean {
  let match = false;
  for (const candidate of proof?.creatorSecrets ?? []) {
    if (typeof candidate === 'string' && safeEqual(hashSecret(candidate), record.creatorSecretHash)) match = true;
  }
  return match;
}

/** Whether the proof names the client the binding names, if it names one. */
export function provesClient(record: QrCodeRecord, proof: QrCodeProof | undefined): boolean {
  const client = bindingOf(record).client;
  return client === undefined || proof?.client === client;
}

/** Whether a reader sees who scanned, the match number and the ticket (and follows rotations). */
export function seesAll(record: QrCodeRecord, proof: QrCodeProof | undefined): boolean {
  return bindingOf(record).reveal === 'anyone' || (provesCreator(record, proof) && provesClient(record, proof));
}

/** Whether a redeemer may spend the ticket, per the record's binding. */
export function mayRedeem(record: QrCodeRecord, proof: QrCodeProof | undefined): boolean {
  const binding = bindingOf(record);
  switch (binding.redeem) {
    case 'anyone':
      return true;
    case 'client':
      return binding.client !== undefined && proof?.client === binding.client;
    default:
      return provesCreator(record, proof) && provesClient(record, proof);
  }
}

/** The record's flow: `device` for a device flow, else `qr`. */
export function flowOf(record: QrCodeRecord): QrCodeFlow {
  return record.flow === 'device' ? 'device' : 'qr';
}

/**
 * How a phone names a code for an action: by its id, or by its user code
 * (and then how that code came to the phone). Decided from the request the
 * phone made (which route, which field), never from the code.
 */
export type PhoneReach = { by: 'id' } | { by: 'user-code'; entry?: QrCodeEntry };

/** The reach of a phone that named the code by its id: the QR, GenAuth's and WeChat's routes. */
export const BY_ID: PhoneReach = { by: 'id' };

/**
 * Refuses a phone action that named a code by its id when the code's binding
 * wants its user code (a device flow): that id must never be what a phone
 * approves by, so a link holding it leads nowhere.
 */
export function assertReach(record: QrCodeRecord, reach: PhoneReach): void {
  if (bindingOf(record).scan === 'user-code' && reach.by !== 'user-code') throw qrErrors.userCodeRequired();
}

/**
 * What a phone must pick before it confirms, given how it reached the code:
 * the match number's choices for a QR with number matching; for a device
 * flow whose user code came by a link, user codes to pick the device's own
 * from; nothing for a device flow whose code was typed (the person read it
 * off the device's screen, which is what a pick would prove).
 */
export function matchOf(record: QrCodeRecord): { kind: 'number' | 'user-code'; choices: string[] } | undefined {
  if (record.match) return { kind: 'number', choices: record.match.choices };
  if (record.userCodeChoices && record.scannedBy?.entry !== 'typed')
    return { kind: 'user-code', choices: record.userCodeChoices.map(formatUserCode) };
  return undefined;
}

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

/** What CONFIRM decided: the next record, and whether it is a cancellation for a wrong match number. */
export interface ConfirmDecision {
  record: QrCodeRecord;
  mismatch: boolean;
}

/**
 * CONFIRM by the user who scanned: SCANNED becomes AUTHORIZED with the given
 * single-use ticket. With number matching, a missing number is refused and a
 * wrong one cancels the code; a device flow reached by a link is matched the
 * same way on its user code (see `matchOf`).
 */
export function decideConfirm(
  record: QrCodeRecord,
  actor: { userId: string; matchCode?: string },
  ticket: { value: string; ttlMs: number },
  now: number,
  reach: PhoneReach = BY_ID,
): ConfirmDecision {
  assertReach(record, reach);
  assertLive(record, now);
  assertScannedBy(record, actor.userId, 'CONFIRM');
  const match = matchOf(record);
  if (match) {
    const picked = actor.matchCode;
    if (picked === undefined || picked === '')
      throw match.kind === 'number' ? qrErrors.matchRequired() : qrErrors.userCodeMatchRequired();
    const right =
      match.kind === 'number'
        ? safeEqual(String(picked), record.match!.code)
        : safeEqual(normalizeUserCode(picked) ?? '', record.userCode ?? '');
    if (!right) return { record: endAs(record, 'CANCELLED', now, 'MATCH_FAILED'), mismatch: true };
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

/** CANCEL by the user who scanned: SCANNED becomes CANCELLED. */
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
 */
export function decideRedeem(
  record: QrCodeRecord,
  ticket: string,
  proof: QrCodeProof | undefined,
  now: number,
): QrCodeRecord {
  if (!mayRedeem(record, proof)) {
    throw bindingOf(record).redeem === 'client' ? qrErrors.ticketInvalid() : qrErrors.creatorSecretRequired();
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
 */
export function decideRotate(record: QrCodeRecord, successorId: string, now: number): QrCodeRecord | undefined {
  if (record.status !== 'PENDING' || record.replacedBy || now >= record.expiresAt) return undefined;
  return { ...record, replacedBy: successorId, expiresAt: now };
}

/** Whether a code can still be rotated by its creator's stream at `now`. */
export function isRotatable(record: QrCodeRecord, now: number): boolean {
  return record.status === 'PENDING' && !record.replacedBy && now < record.expiresAt;
}

/**
 * What a reader may see. Anyone who knows the id (it is in the QR) gets id,
 * status and lifetime; who scanned, the ticket and the match number go only
 * to a reader the record's binding lets see them.
 */
export function viewOf(record: QrCodeRecord, proof: QrCodeProof | undefined, now: number): QrCodeStatusView {
  const status = statusAt(record, now);
  const view: QrCodeStatusView = { qrcodeId: record.id, status };
  const open = status === 'PENDING' || status === 'SCANNED';
  if (open) view.expiresIn = Math.max(0, Math.floor((record.expiresAt - now) / 1000));
  if (status === 'CANCELLED' && record.cancelReason) view.cancelReason = record.cancelReason;
  if (!seesAll(record, proof)) return view;
  if (record.scannedBy && (status === 'SCANNED' || status === 'AUTHORIZED'))
    view.briefUserInfo = record.scannedBy.briefUserInfo;
  if (open && record.match) view.matchCode = record.match.code;
  if (open && record.userCode) view.userCode = formatUserCode(record.userCode);
  const ticket = record.ticket;
  if (status === 'AUTHORIZED' && ticket && ticket.redeemedAt === undefined && now < ticket.expiresAt)
    view.ticket = ticket.value;
  return view;
}

/**
 * What a user code asks of a phone before it acts: the flow, the client and
 * the site, for a phone page that shows a link's request instead of acting on
 * it. A code that ended answers as an action on it would (410, 409).
 */
export function requestOf(record: QrCodeRecord, now: number): QrUserCodeRequest {
  assertLive(record, now);
  const status = statusAt(record, now);
  if (status !== 'PENDING' && status !== 'SCANNED') throw qrErrors.wrongState(status, 'SCAN');
  const client = record.requester.client;
  return {
    flow: flowOf(record),
    ...(client ? { client: { id: client.id, name: client.name } } : {}),
    ...(record.requester.appName ? { appName: record.requester.appName } : {}),
    status,
    expiresIn: Math.max(0, Math.floor((record.expiresAt - now) / 1000)),
  };
}

/** How a polling client is paced: the interval it was told, and how much each too-early poll adds (RFC 8628 §3.5: 5 s). */
export interface PollPace {
  intervalMs: number;
  slowDownMs: number;
}

/** What a poll decided: the next record (undefined: nothing to change), and whether the poll came too soon. */
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
 */
export function decidePoll(
  record: QrCodeRecord,
  proof: QrCodeProof | undefined,
  pace: PollPace,
  now: number,
): PollDecision {
  if (!seesAll(record, proof)) throw qrErrors.creatorSecretRequired();
  const intervalMs = record.poll?.intervalMs ?? pace.intervalMs;
  const status = statusAt(record, now);
  if (status !== 'PENDING' && status !== 'SCANNED') return { record: undefined, slowDown: false, intervalMs };
  if (record.poll && now - record.poll.lastAt < intervalMs) {
    const grown = intervalMs + pace.slowDownMs;
    return { record: { ...record, poll: { lastAt: now, intervalMs: grown } }, slowDown: true, intervalMs: grown };
  }
  return { record: { ...record, poll: { lastAt: now, intervalMs } }, slowDown: false, intervalMs };
}
