import { randomInt } from 'node:crypto';
import { newUserCode } from './user-code.format';
import type {
  QrCodeBinding,
  QrCodeRecord,
  QrCodeType,
  QrRequesterInfo,
  JsonObject,
} from './interfaces/qr-code.interface';

/** Everything a new record is made of, decided by the service. @internal */
export interface NewQrCodeRecord {
  id: string;
  type: QrCodeType;
  now: number;
  /** End of the code's life, ms since the epoch. */
  expiresAt: number;
  creatorSecretHash: string;
  binding: QrCodeBinding;
  requester: QrRequesterInfo;
  customData?: JsonObject;
  context?: JsonObject;
  /** Number matching: how many digits the number has and how many choices the phone offers; `false` for none. */
  numberMatching: false | { digits: number; choices: number };
}

/** A PENDING record at version 1. @internal */
export function newQrCodeRecord(input: NewQrCodeRecord): QrCodeRecord {
  const record: QrCodeRecord = {
    id: input.id,
    type: input.type,
    status: 'PENDING',
    version: 1,
    createdAt: input.now,
    expiresAt: input.expiresAt,
    retainUntil: input.expiresAt,
    creatorSecretHash: input.creatorSecretHash,
    binding: input.binding,
    requester: input.requester,
  };
  if (input.customData) record.customData = input.customData;
  if (input.context) record.context = input.context;
  if (input.numberMatching) record.match = matchNumbers(input.numberMatching.digits, input.numberMatching.choices);
  return record;
}

/**
 * The number the page shows and the choices the phone offers, shuffled so the right one's place tells nothing.
 * @internal
 */
export function matchNumbers(digits: number, choices: number): { code: string; choices: string[] } {
  const pick = () => String(randomInt(10 ** digits)).padStart(digits, '0');
  const code = pick();
  return { code, choices: withDecoys(code, choices, pick) };
}

/**
 * A device flow's user code among `choices - 1` fresh decoys (at least two,
 * so a pick is never a formality), shuffled: what a phone that arrived by a
 * link picks from.
 * @internal
 */
export function userCodeChoices(userCode: string, choices: number): string[] {
  return withDecoys(userCode, Math.max(3, choices), newUserCode);
}

function withDecoys(right: string, choices: number, pick: () => string): string[] {
  const set = new Set([right]);
  while (set.size < choices) set.add(pick());
  const list = [...set];
  for (let i = list.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}
