import { qrErrors } from './qr-login.errors';
import { hashSecret, safeEqual } from './qr-login.ids';
import { formatUserCode } from './user-code.format';
import type {
  QrCodeBinding,
  QrCodeFlow,
  QrCodeProof,
  QrCodeRecord,
  QrCodeStatus,
} from './interfaces/qr-code.interface';
import type { QrCodeStatusView, QrUserCodeRequest } from './interfaces/qr-login-views.interface';

/*
 * What a code's record lets a reader know, as plain functions of (record,
 * proof, now): the status at a moment (EXPIRED is derived, never stored),
 * the binding and what a proof proves against it, and the views built from
 * them. The decisions (`qr-login.rules.ts`) and every reader (status reads,
 * streams, polls) ask these, so a reader sees the same wherever it reads.
 */

const TERMINAL: ReadonlySet<QrCodeStatus> = new Set(['AUTHORIZED', 'CANCELLED', 'EXPIRED', 'ERROR']);

/** Whether no further status can follow. */
export function isTerminalStatus(status: QrCodeStatus): boolean {
  return TERMINAL.has(status);
}

/** The status a reader sees at `now`: EXPIRED is derived from `expiresAt`, never stored. @internal */
export function statusAt(record: QrCodeRecord, now: number): QrCodeStatus {
  if ((record.status === 'PENDING' || record.status === 'SCANNED') && now >= record.expiresAt) return 'EXPIRED';
  return record.status;
}

/** The binding of a record written before bindings existed: creator-bound, as native codes always were. */
const LEGACY_BINDING: QrCodeBinding = { reveal: 'creator', redeem: 'creator', via: 'native' };

/** The record's binding. @internal */
export function bindingOf(record: QrCodeRecord): QrCodeBinding {
  return record.binding ?? LEGACY_BINDING;
}

/**
 * Whether the proof is the creator's. A key-bound code (`creatorKey`) asks for
 * a verified DPoP proof by its key and nothing else: its secret, even the
 * right one, never counts. Otherwise the proof must carry the creator's
 * secret; every candidate is compared, so timing does not tell which matched.
 * @internal
 */
export function provesCreator(record: QrCodeRecord, proof: QrCodeProof | undefined): boolean {
  const key = record.creatorKey;
  if (key) return typeof proof?.dpopJkt === 'string' && safeEqual(proof.dpopJkt, key.jkt);
  let match = false;
  for (const candidate of proof?.creatorSecrets ?? []) {
    if (typeof candidate === 'string' && safeEqual(hashSecret(candidate), record.creatorSecretHash)) match = true;
  }
  return match;
}

/** Whether the proof names the client the binding names, if it names one. @internal */
export function provesClient(record: QrCodeRecord, proof: QrCodeProof | undefined): boolean {
  const client = bindingOf(record).client;
  return client === undefined || proof?.client === client;
}

/** Whether a reader sees who scanned, the match number and the ticket (and follows rotations). @internal */
export function seesAll(record: QrCodeRecord, proof: QrCodeProof | undefined): boolean {
  return bindingOf(record).reveal === 'anyone' || (provesCreator(record, proof) && provesClient(record, proof));
}

/** Whether a redeemer may spend the ticket, per the record's binding. @internal */
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

/**
 * The refusal for a proof that is not the creator's: a key-bound code says
 * whether the key's proof is missing or another key signed; a secret-bound
 * one asks for its secret.
 * @internal
 */
export function creatorRefusal(record: QrCodeRecord, proof: QrCodeProof | undefined): Error {
  if (!record.creatorKey) return qrErrors.creatorSecretRequired();
  return proof?.dpopJkt === undefined ? qrErrors.dpopProofRequired() : qrErrors.dpopKeyMismatch();
}

/** The record's flow: `device` for a device flow, else `qr`. @internal */
export function flowOf(record: QrCodeRecord): QrCodeFlow {
  return record.flow === 'device' ? 'device' : 'qr';
}

/**
 * What a reader may see. Anyone who knows the id (it is in the QR) gets id,
 * status and lifetime; who scanned, the ticket and the match number go only
 * to a reader the record's binding lets see them.
 * @internal
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
 * @internal
 */
export function requestOf(record: QrCodeRecord, now: number): QrUserCodeRequest {
  const status = statusAt(record, now);
  // As an action on the code would answer: 410 once its lifetime passed, 409 once it ended otherwise.
  if (status === 'EXPIRED') throw qrErrors.expired();
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
