import { describe, expect, it } from 'vitest';
import { hashSecret } from './qr-login.ids';
import {
  TERMINAL_GRACE_MS,
  decideCancel,
  decideConfirm,
  decidePoll,
  decideRedeem,
  decideRefusal,
  decideRotate,
  decideScan,
  isRotatable,
} from './qr-login.rules';
import { matchOf } from './qr-login.reach';
import { flowOf, isTerminalStatus, mayRedeem, provesCreator, seesAll, statusAt, viewOf } from './qr-login.visibility';
import { QrLoginError, qrErrors } from './qr-login.errors';
import { passkeyChallengeOf } from './qr-login.passkey-challenge';
import type { QrCodeBinding, QrCodeProof, QrCodeRecord } from './interfaces/qr-code.interface';

/*
 * The state machine as tables: every status a reader can meet × every action
 * × every actor → the next record or the refusal's code. Plain functions of
 * (record, actor, now); no Nest, no store, no clock.
 */

const NOW = 1_800_000_000_000;
const EXPIRES_AT = NOW + 60_000;
const SECRET = 'creator-secret-of-the-page';
const TICKET = 'T'.repeat(27) + '.' + 't'.repeat(43);
const ALICE = { userId: 'u-alice', briefUserInfo: { displayName: 'Alice', photo: 'https://example.test/a.png' } };
const BOB = { userId: 'u-bob', briefUserInfo: { displayName: 'Bob' } };

const NATIVE: QrCodeBinding = { reveal: 'creator', redeem: 'creator', via: 'native' };
const CLIENT: QrCodeBinding = { reveal: 'anyone', redeem: 'client', client: 'genauth:app-1', via: 'genauth' };
const ANYONE: QrCodeBinding = { reveal: 'anyone', redeem: 'anyone', via: 'genauth' };

function pending(binding: QrCodeBinding = NATIVE): QrCodeRecord {
  return {
    id: 'Q'.repeat(27),
    type: 'MOBILE_APP',
    status: 'PENDING',
    version: 3,
    createdAt: NOW - 10_000,
    expiresAt: EXPIRES_AT,
    retainUntil: EXPIRES_AT,
    creatorSecretHash: hashSecret(SECRET),
    binding,
    requester: { createdAt: new Date(NOW - 10_000).toISOString() },
    match: { code: '42', choices: ['17', '42', '93'] },
  };
}

const scannedBy = { userId: ALICE.userId, briefUserInfo: ALICE.briefUserInfo, scannedAt: NOW - 5_000 };

/** Every status a reader or an actor can meet, by name. */
const STATES = {
  PENDING: (b?: QrCodeBinding): QrCodeRecord => pending(b),
  SCANNED: (b?: QrCodeBinding): QrCodeRecord => ({ ...pending(b), status: 'SCANNED', scannedBy }),
  AUTHORIZED: (b?: QrCodeBinding): QrCodeRecord => ({
    ...pending(b),
    status: 'AUTHORIZED',
    scannedBy,
    ticket: { value: TICKET, expiresAt: NOW + 30_000 },
    endedAt: NOW - 1_000,
  }),
  'AUTHORIZED, ticket redeemed': (b?: QrCodeBinding): QrCodeRecord => ({
    ...STATES.AUTHORIZED(b),
    ticket: { value: TICKET, expiresAt: NOW + 30_000, redeemedAt: NOW - 500 },
  }),
  'AUTHORIZED, ticket past ticketTtl': (b?: QrCodeBinding): QrCodeRecord => ({
    ...STATES.AUTHORIZED(b),
    ticket: { value: TICKET, expiresAt: NOW },
  }),
  CANCELLED: (b?: QrCodeBinding): QrCodeRecord => ({
    ...pending(b),
    status: 'CANCELLED',
    scannedBy,
    endedAt: NOW - 1_000,
    cancelReason: 'RISK_DENIED',
  }),
  'PENDING, EXPIRED by time': (b?: QrCodeBinding): QrCodeRecord => ({ ...pending(b), expiresAt: NOW }),
  'SCANNED, EXPIRED by time': (b?: QrCodeBinding): QrCodeRecord => ({ ...STATES.SCANNED(b), expiresAt: NOW - 1 }),
  'PENDING, rotated': (b?: QrCodeBinding): QrCodeRecord => ({
    ...pending(b),
    replacedBy: 'S'.repeat(27),
    expiresAt: NOW - 2_000,
  }),
};
type StateName = keyof typeof STATES;

/** The refusal's code, or the outcome: `unchanged`, or the next record. */
function outcome(run: () => QrCodeRecord | undefined): string | QrCodeRecord {
  try {
    return run() ?? 'unchanged';
  } catch (error) {
    if (error instanceof QrLoginError) return error.code;
    throw error;
  }
}

describe('statusAt and isTerminalStatus', () => {
  it.each<[StateName, string, boolean]>([
    ['PENDING', 'PENDING', false],
    ['SCANNED', 'SCANNED', false],
    ['AUTHORIZED', 'AUTHORIZED', true],
    ['CANCELLED', 'CANCELLED', true],
    ['PENDING, EXPIRED by time', 'EXPIRED', true],
    ['SCANNED, EXPIRED by time', 'EXPIRED', true],
    ['PENDING, rotated', 'EXPIRED', true],
  ])('%s reads %s (terminal: %s)', (state, status, terminal) => {
    expect(statusAt(STATES[state](), NOW)).toBe(status);
    expect(isTerminalStatus(statusAt(STATES[state](), NOW))).toBe(terminal);
  });

  it('EXPIRED starts exactly at expiresAt, not a millisecond later', () => {
    expect(statusAt(pending(), EXPIRES_AT - 1)).toBe('PENDING');
    expect(statusAt(pending(), EXPIRES_AT)).toBe('EXPIRED');
  });
});

describe('SCAN', () => {
  it.each<[StateName, 'scanner' | 'other user', string]>([
    ['PENDING', 'scanner', 'SCANNED by actor'],
    ['PENDING', 'other user', 'SCANNED by actor'],
    ['SCANNED', 'scanner', 'unchanged'],
    ['SCANNED', 'other user', 'QR_ALREADY_SCANNED'],
    ['AUTHORIZED', 'scanner', 'QR_WRONG_STATE'],
    ['AUTHORIZED', 'other user', 'QR_WRONG_STATE'],
    ['CANCELLED', 'scanner', 'QR_WRONG_STATE'],
    ['CANCELLED', 'other user', 'QR_WRONG_STATE'],
    ['PENDING, EXPIRED by time', 'scanner', 'QR_EXPIRED'],
    ['PENDING, EXPIRED by time', 'other user', 'QR_EXPIRED'],
    ['SCANNED, EXPIRED by time', 'scanner', 'QR_EXPIRED'],
    ['SCANNED, EXPIRED by time', 'other user', 'QR_EXPIRED'],
    ['PENDING, rotated', 'scanner', 'QR_EXPIRED'],
    ['PENDING, rotated', 'other user', 'QR_EXPIRED'],
  ])('%s × %s → %s', (state, who, expected) => {
    const actor = who === 'scanner' ? ALICE : BOB;
    const before = STATES[state]();
    const result = outcome(() => decideScan(before, actor, NOW));
    if (expected !== 'SCANNED by actor') return expect(result).toBe(expected);
    expect(result).toEqual({ ...before, status: 'SCANNED', scannedBy: { ...actor, scannedAt: NOW } });
    // The decision copies: the record it was given is left as it was.
    expect(before.status).toBe('PENDING');
  });
});

describe('a replaced code whose expiresAt still lies ahead', () => {
  // Rotation moves expiresAt to the moment of rotation, but a record read from a store that kept the old
  // expiresAt (or a clock a little behind) must still be out of play: `replacedBy` alone ends it.
  const replaced = (): QrCodeRecord => ({ ...pending(), replacedBy: 'S'.repeat(27) });

  it('cannot be scanned', () => {
    expect(statusAt(replaced(), NOW)).toBe('PENDING');
    expect(outcome(() => decideScan(replaced(), ALICE, NOW))).toBe('QR_WRONG_STATE');
  });

  it('cannot be rotated again', () => {
    expect(isRotatable(replaced(), NOW)).toBe(false);
    expect(outcome(() => decideRotate(replaced(), 'N'.repeat(27), NOW))).toBe('unchanged');
  });
});

describe('CONFIRM', () => {
  it.each<[StateName, 'scanner' | 'other user', string]>([
    ['PENDING', 'scanner', 'QR_WRONG_STATE'],
    ['PENDING', 'other user', 'QR_WRONG_STATE'],
    ['SCANNED', 'scanner', 'AUTHORIZED'],
    ['SCANNED', 'other user', 'QR_NOT_SCANNER'],
    ['AUTHORIZED', 'scanner', 'QR_WRONG_STATE'],
    ['AUTHORIZED', 'other user', 'QR_WRONG_STATE'],
    ['CANCELLED', 'scanner', 'QR_WRONG_STATE'],
    ['CANCELLED', 'other user', 'QR_WRONG_STATE'],
    ['PENDING, EXPIRED by time', 'scanner', 'QR_EXPIRED'],
    ['PENDING, EXPIRED by time', 'other user', 'QR_EXPIRED'],
    ['SCANNED, EXPIRED by time', 'scanner', 'QR_EXPIRED'],
    ['SCANNED, EXPIRED by time', 'other user', 'QR_EXPIRED'],
    ['PENDING, rotated', 'scanner', 'QR_EXPIRED'],
    ['PENDING, rotated', 'other user', 'QR_EXPIRED'],
  ])('%s × %s → %s', (state, who, expected) => {
    const actor = { userId: (who === 'scanner' ? ALICE : BOB).userId, matchCode: '42' };
    const result = outcome(() => decideConfirm(STATES[state](), actor, { value: TICKET, ttlMs: 30_000 }, NOW).record);
    if (expected !== 'AUTHORIZED') return expect(result).toBe(expected);
    expect(result).toMatchObject({
      status: 'AUTHORIZED',
      ticket: { value: TICKET, expiresAt: NOW + 30_000 },
      endedAt: NOW,
      // Kept for late readers and for the ticket's whole life, whichever ends later.
      retainUntil: Math.max(EXPIRES_AT + TERMINAL_GRACE_MS, NOW + 30_000),
    });
  });

  it.each<[string, string | undefined, string]>([
    ['the number the page shows', '42', 'AUTHORIZED, mismatch false'],
    ['another offered number', '17', 'CANCELLED MATCH_FAILED, mismatch true'],
    ['no number', undefined, 'QR_MATCH_REQUIRED'],
    ['an empty number', '', 'QR_MATCH_REQUIRED'],
  ])('number matching: the scanner confirming with %s → %s', (_what, matchCode, expected) => {
    let result: string;
    try {
      const decision = decideConfirm(
        STATES.SCANNED(),
        { userId: ALICE.userId, matchCode },
        { value: TICKET, ttlMs: 30_000 },
        NOW,
      );
      const { status, cancelReason } = decision.record;
      result = `${status}${cancelReason ? ` ${cancelReason}` : ''}, mismatch ${decision.mismatch}`;
      if (decision.mismatch) expect(decision.record.ticket).toBeUndefined();
    } catch (error) {
      result = (error as QrLoginError).code;
    }
    expect(result).toBe(expected);
  });

  it('without number matching, no number is needed', () => {
    const { match: _none, ...plain } = STATES.SCANNED();
    expect(decideConfirm(plain, { userId: ALICE.userId }, { value: TICKET, ttlMs: 1_000 }, NOW).record.status).toBe(
      'AUTHORIZED',
    );
  });
});

describe('CANCEL', () => {
  it.each<[StateName, 'scanner' | 'other user', string]>([
    ['PENDING', 'scanner', 'QR_WRONG_STATE'],
    ['PENDING', 'other user', 'QR_WRONG_STATE'],
    ['SCANNED', 'scanner', 'CANCELLED'],
    ['SCANNED', 'other user', 'QR_NOT_SCANNER'],
    ['AUTHORIZED', 'scanner', 'QR_WRONG_STATE'],
    ['AUTHORIZED', 'other user', 'QR_WRONG_STATE'],
    ['CANCELLED', 'scanner', 'QR_WRONG_STATE'],
    ['CANCELLED', 'other user', 'QR_WRONG_STATE'],
    ['PENDING, EXPIRED by time', 'scanner', 'QR_EXPIRED'],
    ['PENDING, EXPIRED by time', 'other user', 'QR_EXPIRED'],
    ['SCANNED, EXPIRED by time', 'scanner', 'QR_EXPIRED'],
    ['SCANNED, EXPIRED by time', 'other user', 'QR_EXPIRED'],
    ['PENDING, rotated', 'scanner', 'QR_EXPIRED'],
    ['PENDING, rotated', 'other user', 'QR_EXPIRED'],
  ])('%s × %s → %s', (state, who, expected) => {
    const actor = { userId: (who === 'scanner' ? ALICE : BOB).userId };
    const result = outcome(() => decideCancel(STATES[state](), actor, NOW));
    if (expected !== 'CANCELLED') return expect(result).toBe(expected);
    expect(result).toMatchObject({ status: 'CANCELLED', endedAt: NOW, retainUntil: EXPIRES_AT + TERMINAL_GRACE_MS });
    expect(result).not.toHaveProperty('cancelReason');
  });
});

describe('refusal by the site (decideRefusal)', () => {
  it.each<[StateName, string]>([
    ['PENDING', 'CANCELLED'],
    ['SCANNED', 'CANCELLED'],
    ['AUTHORIZED', 'unchanged'],
    ['CANCELLED', 'unchanged'],
    ['PENDING, EXPIRED by time', 'unchanged'],
    ['SCANNED, EXPIRED by time', 'unchanged'],
    ['PENDING, rotated', 'unchanged'],
  ])('%s → %s', (state, expected) => {
    const result = outcome(() => decideRefusal(STATES[state](), 'RISK_DENIED', NOW));
    if (expected === 'unchanged') return expect(result).toBe('unchanged');
    expect(result).toMatchObject({ status: 'CANCELLED', cancelReason: 'RISK_DENIED', endedAt: NOW });
  });
});

describe('ROTATE', () => {
  const SUCCESSOR = 'N'.repeat(27);
  it.each<[StateName, string]>([
    ['PENDING', 'rotated'],
    ['SCANNED', 'unchanged'],
    ['AUTHORIZED', 'unchanged'],
    ['CANCELLED', 'unchanged'],
    ['PENDING, EXPIRED by time', 'unchanged'],
    ['SCANNED, EXPIRED by time', 'unchanged'],
    ['PENDING, rotated', 'unchanged'],
  ])('%s → %s', (state, expected) => {
    const before = STATES[state]();
    expect(isRotatable(before, NOW)).toBe(expected === 'rotated');
    const result = outcome(() => decideRotate(before, SUCCESSOR, NOW));
    if (expected === 'unchanged') return expect(result).toBe('unchanged');
    expect(result).toMatchObject({ status: 'PENDING', replacedBy: SUCCESSOR, expiresAt: NOW });
    // From that moment the old code reads EXPIRED and takes no action.
    expect(statusAt(result as QrCodeRecord, NOW)).toBe('EXPIRED');
    expect(outcome(() => decideScan(result as QrCodeRecord, ALICE, NOW))).toBe('QR_EXPIRED');
  });
});

/** Who asks to redeem or read: what each request proves. */
const READERS: Record<string, QrCodeProof | undefined> = {
  creator: { creatorSecrets: ['not-it', SECRET] },
  stranger: undefined,
  'forged secret': { creatorSecrets: ['A'.repeat(43)] },
  'authenticated client': { client: 'genauth:app-1' },
  'other client': { client: 'genauth:app-2' },
};
type Reader = keyof typeof READERS;

describe('REDEEM', () => {
  // The outcome a reader allowed by the binding gets, per status.
  const ALLOWED: Record<StateName, string> = {
    PENDING: 'QR_TICKET_INVALID',
    SCANNED: 'QR_TICKET_INVALID',
    AUTHORIZED: 'redeemed',
    'AUTHORIZED, ticket redeemed': 'QR_TICKET_USED',
    'AUTHORIZED, ticket past ticketTtl': 'QR_TICKET_EXPIRED',
    CANCELLED: 'QR_TICKET_INVALID',
    'PENDING, EXPIRED by time': 'QR_TICKET_INVALID',
    'SCANNED, EXPIRED by time': 'QR_TICKET_INVALID',
    'PENDING, rotated': 'QR_TICKET_INVALID',
  };
  // Who the binding lets redeem, and what everyone else gets whatever the ticket's state: nothing about it.
  const BINDINGS: Array<[string, QrCodeBinding, Reader[], string]> = [
    ['creator-bound (native)', NATIVE, ['creator'], 'QR_CREATOR_SECRET_REQUIRED'],
    ['client-bound', CLIENT, ['authenticated client'], 'QR_TICKET_INVALID'],
    ['unbound', ANYONE, Object.keys(READERS) as Reader[], 'none'],
  ];
  const rows = BINDINGS.flatMap(([name, binding, allowed, refusal]) =>
    (Object.keys(STATES) as StateName[]).flatMap((state) =>
      (Object.keys(READERS) as Reader[]).map(
        (reader) => [name, state, reader, allowed.includes(reader) ? ALLOWED[state] : refusal, binding] as const,
      ),
    ),
  );

  it.each(rows)('%s · %s × %s → %s', (_name, state, reader, expected, binding) => {
    const before = STATES[state](binding);
    expect(mayRedeem(before, READERS[reader])).toBe(
      expected !== 'QR_CREATOR_SECRET_REQUIRED' && !(binding === CLIENT && reader !== 'authenticated client'),
    );
    const result = outcome(() => decideRedeem(before, TICKET, READERS[reader], NOW));
    if (expected !== 'redeemed') return expect(result).toBe(expected);
    expect(result).toEqual({ ...before, ticket: { value: TICKET, expiresAt: NOW + 30_000, redeemedAt: NOW } });
  });

  it("refuses a ticket that is not this code's, even from the creator", () => {
    const other = 'Q'.repeat(27) + '.' + 'x'.repeat(43);
    expect(outcome(() => decideRedeem(STATES.AUTHORIZED(), other, READERS.creator, NOW))).toBe('QR_TICKET_INVALID');
  });

  it('the ticket lives until one millisecond before its expiresAt', () => {
    const record = STATES.AUTHORIZED();
    expect(outcome(() => decideRedeem(record, TICKET, READERS.creator, NOW + 29_999))).toMatchObject({
      ticket: { redeemedAt: NOW + 29_999 },
    });
    expect(outcome(() => decideRedeem(record, TICKET, READERS.creator, NOW + 30_000))).toBe('QR_TICKET_EXPIRED');
  });

  it('a client binding that names no client lets no one redeem, not even a proof without a client', () => {
    const unnamed: QrCodeBinding = { reveal: 'anyone', redeem: 'client', via: 'genauth' };
    for (const proof of [undefined, {}, { creatorSecrets: [SECRET] }, { client: 'genauth:app-1' }]) {
      expect(mayRedeem(STATES.AUTHORIZED(unnamed), proof)).toBe(false);
      expect(outcome(() => decideRedeem(STATES.AUTHORIZED(unnamed), TICKET, proof, NOW))).toBe('QR_TICKET_INVALID');
    }
  });

  it('a record written before bindings existed is creator-bound', () => {
    const { binding: _none, ...legacy } = STATES.AUTHORIZED();
    expect(outcome(() => decideRedeem(legacy, TICKET, undefined, NOW))).toBe('QR_CREATOR_SECRET_REQUIRED');
    expect(outcome(() => decideRedeem(legacy, TICKET, { client: 'genauth:app-1' }, NOW))).toBe(
      'QR_CREATOR_SECRET_REQUIRED',
    );
    expect(outcome(() => decideRedeem(legacy, TICKET, READERS.creator, NOW))).toMatchObject({
      ticket: { redeemedAt: NOW },
    });
  });
});

describe('what a reader sees (viewOf)', () => {
  /** The fields of the view, by name, for a compact expectation. */
  const fields = (state: StateName, binding: QrCodeBinding | undefined, reader: Reader) => {
    const base = STATES[state](binding);
    const record = binding === undefined ? (({ binding: _b, ...rest }) => rest)(base) : base;
    const view = viewOf(record, READERS[reader], NOW);
    expect(view.qrcodeId).toBe(record.id);
    return Object.keys(view).sort().join(',');
  };

  const ALL: Record<StateName, string> = {
    PENDING: 'expiresIn,matchCode,qrcodeId,status',
    SCANNED: 'briefUserInfo,expiresIn,matchCode,qrcodeId,status',
    AUTHORIZED: 'briefUserInfo,qrcodeId,status,ticket',
    'AUTHORIZED, ticket redeemed': 'briefUserInfo,qrcodeId,status',
    'AUTHORIZED, ticket past ticketTtl': 'briefUserInfo,qrcodeId,status',
    CANCELLED: 'cancelReason,qrcodeId,status',
    'PENDING, EXPIRED by time': 'qrcodeId,status',
    'SCANNED, EXPIRED by time': 'qrcodeId,status',
    'PENDING, rotated': 'qrcodeId,status',
  };
  const LITTLE: Record<StateName, string> = {
    PENDING: 'expiresIn,qrcodeId,status',
    SCANNED: 'expiresIn,qrcodeId,status',
    AUTHORIZED: 'qrcodeId,status',
    'AUTHORIZED, ticket redeemed': 'qrcodeId,status',
    'AUTHORIZED, ticket past ticketTtl': 'qrcodeId,status',
    CANCELLED: 'cancelReason,qrcodeId,status',
    'PENDING, EXPIRED by time': 'qrcodeId,status',
    'SCANNED, EXPIRED by time': 'qrcodeId,status',
    'PENDING, rotated': 'qrcodeId,status',
  };
  // Who sees all per binding: `reveal: 'creator'` only its creator (and, when the binding names a client,
  // only its creator presenting that client too: none of the readers below proves both); `reveal: 'anyone'` every reader.
  const BINDINGS: Array<[string, QrCodeBinding | undefined, Reader[]]> = [
    ['reveal creator / redeem creator (native)', NATIVE, ['creator']],
    ['no binding stored (legacy, creator-bound)', undefined, ['creator']],
    [
      'reveal creator / redeem client',
      { reveal: 'creator', redeem: 'client', client: 'genauth:app-1', via: 'genauth' },
      [],
    ],
    ['reveal anyone / redeem client', CLIENT, Object.keys(READERS) as Reader[]],
    ['reveal anyone / redeem anyone', ANYONE, Object.keys(READERS) as Reader[]],
  ];
  const rows = BINDINGS.flatMap(([name, binding, seers]) =>
    (Object.keys(STATES) as StateName[]).flatMap((state) =>
      (Object.keys(READERS) as Reader[]).map((reader) => {
        const sees = seers.includes(reader);
        return [name, state, reader, sees ? ALL[state] : LITTLE[state], binding, sees] as const;
      }),
    ),
  );

  it.each(rows)('%s · %s × %s → %s', (_name, state, reader, expected, binding, sees) => {
    expect(fields(state, binding, reader)).toBe(expected);
    const record = STATES[state](binding);
    if (binding) expect(seesAll(record, READERS[reader])).toBe(sees);
  });

  it('shows the status and seconds left, rounded down, to every reader', () => {
    expect(viewOf(pending(), undefined, NOW)).toEqual({ qrcodeId: 'Q'.repeat(27), status: 'PENDING', expiresIn: 60 });
    expect(viewOf(pending(), undefined, EXPIRES_AT - 1)).toMatchObject({ status: 'PENDING', expiresIn: 0 });
  });

  it('shows the values themselves to a reader who sees all', () => {
    expect(viewOf(STATES.AUTHORIZED(), READERS.creator, NOW)).toEqual({
      qrcodeId: 'Q'.repeat(27),
      status: 'AUTHORIZED',
      briefUserInfo: ALICE.briefUserInfo,
      ticket: TICKET,
    });
    expect(viewOf(STATES.SCANNED(), READERS.creator, NOW)).toMatchObject({
      briefUserInfo: ALICE.briefUserInfo,
      matchCode: '42',
    });
  });

  it('shows all to the creator of a code bound to a client only when it presents that client too', () => {
    const binding: QrCodeBinding = { reveal: 'creator', redeem: 'creator', client: 'device:tv', via: 'device' };
    const record = STATES.AUTHORIZED(binding);
    const creatorAndClient = { creatorSecrets: [SECRET], client: 'device:tv' };
    expect(viewOf(record, creatorAndClient, NOW)).toMatchObject({ ticket: TICKET, briefUserInfo: ALICE.briefUserInfo });
    expect(viewOf(record, READERS.creator, NOW)).toEqual({ qrcodeId: 'Q'.repeat(27), status: 'AUTHORIZED' });
    expect(viewOf(record, { creatorSecrets: [SECRET], client: 'device:other' }, NOW)).toEqual({
      qrcodeId: 'Q'.repeat(27),
      status: 'AUTHORIZED',
    });
    expect(mayRedeem(record, creatorAndClient)).toBe(true);
    expect(mayRedeem(record, READERS.creator)).toBe(false);
  });
});

describe('device flows: reachable by user code only, and a link owes a pick (RFC 8628 §5.4)', () => {
  const DEVICE: QrCodeBinding = {
    reveal: 'creator',
    redeem: 'creator',
    client: 'device:tv-app',
    via: 'device',
    scan: 'user-code',
  };
  const CHOICES = ['BCDFGHJK', 'WDJBMJHT', 'QRSTVWXZ'];
  const device = (entry?: 'typed' | 'link'): QrCodeRecord => {
    const { match: _match, ...record } = pending(DEVICE);
    const base: QrCodeRecord = { ...record, flow: 'device', userCode: 'WDJBMJHT', userCodeChoices: CHOICES };
    return entry ? { ...base, status: 'SCANNED', scannedBy: { ...scannedBy, entry } } : base;
  };
  const ticket = { value: TICKET, ttlMs: 30_000 };
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return (error as QrLoginError).code;
    }
    return 'ok';
  };

  it.each<[string, () => unknown]>([
    ['scan', () => decideScan(device(), ALICE, NOW)],
    ['confirm', () => decideConfirm(device('typed'), { userId: ALICE.userId }, ticket, NOW)],
    ['cancel', () => decideCancel(device('typed'), ALICE, NOW)],
    ['scan, even after its lifetime', () => decideScan(device(), ALICE, EXPIRES_AT + 1)],
  ])('refuses %s by id with QR_USER_CODE_REQUIRED', (_name, act) => {
    expect(codeOf(act)).toBe('QR_USER_CODE_REQUIRED');
  });

  it('a QR (no scan rule) may still be acted on by id or by user code', () => {
    expect(decideScan(pending(), ALICE, NOW)?.status).toBe('SCANNED');
    expect(decideScan(pending(), ALICE, NOW, { by: 'user-code', entry: 'typed' })?.scannedBy?.entry).toBe('typed');
  });

  it('records how the user code came: typed only when the request says so, a link otherwise', () => {
    expect(decideScan(device(), ALICE, NOW, { by: 'user-code', entry: 'typed' })?.scannedBy?.entry).toBe('typed');
    expect(decideScan(device(), ALICE, NOW, { by: 'user-code', entry: 'link' })?.scannedBy?.entry).toBe('link');
    expect(decideScan(device(), ALICE, NOW, { by: 'user-code' })?.scannedBy?.entry).toBe('link');
  });

  it('a repeated scan by the same phone keeps the first entry, so typing after a link does not skip the pick', () => {
    expect(decideScan(device('link'), ALICE, NOW, { by: 'user-code', entry: 'typed' })).toBeUndefined();
  });

  it('a typed user code confirms with no pick', () => {
    const decision = decideConfirm(device('typed'), { userId: ALICE.userId }, ticket, NOW, { by: 'user-code' });
    expect(decision.record.status).toBe('AUTHORIZED');
  });

  it.each<[string, string | undefined, string]>([
    ['no pick', undefined, 'QR_MATCH_REQUIRED'],
    ['an empty pick', '', 'QR_MATCH_REQUIRED'],
  ])('a user code from a link with %s is refused (%s) and the code stays SCANNED', (_name, matchCode, code) => {
    const record = device('link');
    expect(
      codeOf(() => decideConfirm(record, { userId: ALICE.userId, matchCode }, ticket, NOW, { by: 'user-code' })),
    ).toBe(code);
  });

  it.each<[string, string, string]>([
    ['the right code, as shown', 'WDJB-MJHT', 'AUTHORIZED'],
    ['the right code, in lower case', 'wdjb mjht', 'AUTHORIZED'],
    ['a decoy', 'BCDF-GHJK', 'CANCELLED'],
    ['not a user code at all', '42', 'CANCELLED'],
  ])('a user code from a link picked as %s → %s', (_name, matchCode, status) => {
    const decision = decideConfirm(device('link'), { userId: ALICE.userId, matchCode }, ticket, NOW, {
      by: 'user-code',
    });
    expect(decision.record.status).toBe(status);
    expect(decision.mismatch).toBe(status === 'CANCELLED');
    if (status === 'CANCELLED') expect(decision.record.cancelReason).toBe('MATCH_FAILED');
  });

  it('with number matching off (no choices stored), a link confirms with no pick', () => {
    const { userCodeChoices: _choices, ...record } = device('link');
    expect(decideConfirm(record, { userId: ALICE.userId }, ticket, NOW, { by: 'user-code' }).record.status).toBe(
      'AUTHORIZED',
    );
  });

  it('flowOf and matchOf read the record', () => {
    expect(flowOf(device())).toBe('device');
    expect(flowOf(pending())).toBe('qr');
    expect(matchOf(device('typed'))).toBeUndefined();
    expect(matchOf(device('link'))).toEqual({ kind: 'user-code', choices: ['BCDF-GHJK', 'WDJB-MJHT', 'QRST-VWXZ'] });
    expect(matchOf(pending())).toEqual({ kind: 'number', choices: ['17', '42', '93'] });
  });
});

describe('the creator proof (provesCreator)', () => {
  it('skips candidates that are not text, and still finds the secret among them', () => {
    const proof = { creatorSecrets: [42, null, { secret: SECRET }, SECRET] as unknown as string[] };
    expect(provesCreator(pending(), proof)).toBe(true);
    expect(provesCreator(pending(), { creatorSecrets: [42] as unknown as string[] })).toBe(false);
    expect(provesCreator(pending(), { creatorSecrets: [] })).toBe(false);
    expect(provesCreator(pending(), undefined)).toBe(false);
  });
});

describe('POLL (decidePoll)', () => {
  const PACE = { intervalMs: 5_000, slowDownMs: 5_000 };
  const polled = (lastAt: number, intervalMs = PACE.intervalMs): QrCodeRecord => ({
    ...STATES.PENDING(CLIENT),
    poll: { lastAt, intervalMs },
  });
  const clientProof = READERS['authenticated client'];

  it('is refused to a reader who does not see all, before anything else', () => {
    expect(outcome(() => decidePoll(STATES.PENDING(), undefined, PACE, NOW).record)).toBe('QR_CREATOR_SECRET_REQUIRED');
    expect(outcome(() => decidePoll(STATES.AUTHORIZED(), undefined, PACE, NOW).record)).toBe(
      'QR_CREATOR_SECRET_REQUIRED',
    );
    expect(decidePoll(STATES.PENDING(), READERS.creator, PACE, NOW).slowDown).toBe(false);
  });

  it('records the first poll of an open code with the interval it was told', () => {
    for (const state of ['PENDING', 'SCANNED'] as const) {
      expect(decidePoll(STATES[state](CLIENT), clientProof, PACE, NOW)).toEqual({
        record: { ...STATES[state](CLIENT), poll: { lastAt: NOW, intervalMs: 5_000 } },
        slowDown: false,
        intervalMs: 5_000,
      });
    }
  });

  it('takes a poll exactly one interval after the last, and slows down one a millisecond sooner, for good', () => {
    expect(decidePoll(polled(NOW - 5_000), clientProof, PACE, NOW)).toEqual({
      record: { ...polled(NOW - 5_000), poll: { lastAt: NOW, intervalMs: 5_000 } },
      slowDown: false,
      intervalMs: 5_000,
    });
    const tooSoon = decidePoll(polled(NOW - 4_999), clientProof, PACE, NOW);
    expect(tooSoon).toEqual({
      record: { ...polled(NOW - 4_999), poll: { lastAt: NOW, intervalMs: 10_000 } },
      slowDown: true,
      intervalMs: 10_000,
    });
    // The grown interval is the one asked from now on.
    expect(decidePoll(tooSoon.record!, clientProof, PACE, NOW + 9_999).slowDown).toBe(true);
    expect(decidePoll(tooSoon.record!, clientProof, PACE, NOW + 10_000)).toMatchObject({
      slowDown: false,
      intervalMs: 10_000,
    });
  });

  it.each<StateName>([
    'AUTHORIZED',
    'CANCELLED',
    'PENDING, EXPIRED by time',
    'SCANNED, EXPIRED by time',
    'PENDING, rotated',
  ])('answers an ended code (%s) at once and changes nothing', (state) => {
    const ended = { ...STATES[state](CLIENT), poll: { lastAt: NOW - 1, intervalMs: 10_000 } };
    expect(decidePoll(ended, clientProof, PACE, NOW)).toEqual({
      record: undefined,
      slowDown: false,
      intervalMs: 10_000,
    });
    expect(decidePoll(STATES[state](CLIENT), clientProof, PACE, NOW)).toEqual({
      record: undefined,
      slowDown: false,
      intervalMs: 5_000,
    });
  });
});

describe('defence in depth: states the service never writes still read safely', () => {
  it('an ended code past its expiresAt keeps its status: only open codes expire', () => {
    expect(statusAt(STATES.AUTHORIZED(), EXPIRES_AT + 1)).toBe('AUTHORIZED');
    expect(statusAt(STATES.CANCELLED(), EXPIRES_AT + 1)).toBe('CANCELLED');
  });

  it('a ticket on a code that is not AUTHORIZED is neither shown nor redeemable', () => {
    const cancelledWithTicket: QrCodeRecord = {
      ...STATES.CANCELLED(ANYONE),
      ticket: { value: TICKET, expiresAt: NOW + 30_000 },
    };
    expect(outcome(() => decideRedeem(cancelledWithTicket, TICKET, undefined, NOW))).toBe('QR_TICKET_INVALID');
    expect(viewOf(cancelledWithTicket, undefined, NOW)).not.toHaveProperty('ticket');
  });

  it('a creator proof that also names a client still sees all of a code bound to no client', () => {
    expect(seesAll(STATES.SCANNED(), { creatorSecrets: [SECRET], client: 'genauth:app-1' })).toBe(true);
  });

  it('names the action a wrong state refuses', () => {
    expect(() => decideScan(STATES.CANCELLED(), ALICE, NOW)).toThrow(
      /^Cannot SCAN a QR code whose status is CANCELLED/,
    );
  });
});

describe('refusals that name what to do, a passkey code, and how long an ended code is kept', () => {
  const confirmBy = (record: QrCodeRecord, actor: { userId: string; matchCode?: string; passkeyChallenge?: string }) =>
    decideConfirm(record, actor, { value: TICKET, ttlMs: 30_000 }, NOW);

  it('names CONFIRM or CANCEL in a wrong-state refusal and says to scan first', () => {
    expect(() => confirmBy(STATES.PENDING(), { userId: ALICE.userId, matchCode: '42' })).toThrow(
      /^Cannot CONFIRM a QR code whose status is PENDING\. SCAN it first; /,
    );
    expect(() => decideCancel(STATES.AUTHORIZED(), { userId: ALICE.userId }, NOW)).toThrow(
      /^Cannot CANCEL a QR code whose status is AUTHORIZED\. SCAN it first; /,
    );
  });

  it('a missing number asks for the number on the page; a missing pick of a device link asks for the user code', () => {
    expect(() => confirmBy(STATES.SCANNED(), { userId: ALICE.userId })).toThrow(qrErrors.matchRequired().message);
    const { match: _none, ...device } = STATES.SCANNED();
    const link: QrCodeRecord = {
      ...device,
      flow: 'device',
      userCode: 'WDJBMJHT',
      userCodeChoices: ['WDJBMJHT', 'BCDFGHJK', 'LMNPQRST'],
      scannedBy: { ...scannedBy, entry: 'link' },
    };
    expect(() => confirmBy(link, { userId: ALICE.userId })).toThrow(qrErrors.userCodeMatchRequired().message);
    expect(qrErrors.userCodeMatchRequired().message).not.toBe(qrErrors.matchRequired().message);
  });

  it('matches no pick when a device link offers choices but holds no user code of its own (fails closed)', () => {
    const { match: _none, ...device } = STATES.SCANNED();
    const odd: QrCodeRecord = {
      ...device,
      flow: 'device',
      userCodeChoices: ['WDJBMJHT', 'BCDFGHJK', 'LMNPQRST'],
      scannedBy: { ...scannedBy, entry: 'link' },
    };
    for (const pick of ['WDJBMJHT', 'not a user code', '42']) {
      expect(confirmBy(odd, { userId: ALICE.userId, matchCode: pick })).toMatchObject({
        record: { status: 'CANCELLED', cancelReason: 'MATCH_FAILED' },
        mismatch: true,
      });
    }
  });

  describe('a code the scan marked for a passkey', () => {
    const marked: QrCodeRecord = { ...STATES.SCANNED(), approval: { method: 'passkey', version: 3, shown: 'digest' } };
    const challenge = passkeyChallengeOf(marked)!;

    it('is confirmed over the challenge derived from the record, and only over it', () => {
      const decision = confirmBy(marked, { userId: ALICE.userId, matchCode: '42', passkeyChallenge: challenge });
      expect(decision).toMatchObject({ record: { status: 'AUTHORIZED' }, mismatch: false });
      expect(() => confirmBy(marked, { userId: ALICE.userId, matchCode: '42' })).toThrow(
        expect.objectContaining({ code: 'QR_PASSKEY_REQUIRED' }),
      );
      const other = passkeyChallengeOf({ ...marked, approval: { method: 'passkey', version: 2, shown: 'digest' } })!;
      expect(other).not.toBe(challenge);
      expect(() => confirmBy(marked, { userId: ALICE.userId, matchCode: '42', passkeyChallenge: other })).toThrow(
        expect.objectContaining({
          code: 'QR_PASSKEY_INVALID',
          message: expect.stringContaining('(signed for another challenge)'),
        }),
      );
    });

    it('a wrong number cancels it before the passkey is asked for', () => {
      const decision = confirmBy(marked, { userId: ALICE.userId, matchCode: '17' });
      expect(decision).toMatchObject({ record: { status: 'CANCELLED', cancelReason: 'MATCH_FAILED' }, mismatch: true });
    });
  });

  it('keeps an ended code 5 s past its expiry, and an authorized one as long as its ticket if that is longer', () => {
    expect(TERMINAL_GRACE_MS).toBe(5_000);
    expect(decideCancel(STATES.SCANNED(), { userId: ALICE.userId }, NOW).retainUntil).toBe(EXPIRES_AT + 5_000);
    expect(decideRefusal(STATES.PENDING(), 'RISK_DENIED', NOW)?.retainUntil).toBe(EXPIRES_AT + 5_000);
    const soon: QrCodeRecord = { ...STATES.SCANNED(), expiresAt: NOW + 10_000 };
    expect(confirmBy(soon, { userId: ALICE.userId, matchCode: '42' }).record.retainUntil).toBe(NOW + 30_000);
    expect(confirmBy(STATES.SCANNED(), { userId: ALICE.userId, matchCode: '42' }).record.retainUntil).toBe(
      EXPIRES_AT + 5_000,
    );
  });
});
