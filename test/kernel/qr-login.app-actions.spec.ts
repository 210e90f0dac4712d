import { describe, expect, it } from 'vitest';
import { QrCodeRepository } from '../../lib/kernel/qr-code.repository';
import { QrLoginAudit } from '../../lib/kernel/qr-login.audit';
import { QrLoginAppActions } from '../../lib/kernel/qr-login.app-actions';
import { resolveQrLoginConfig } from '../../lib/kernel/qr-login.config';
import { qrErrors } from '../../lib/kernel/qr-login.errors';
import { newQrCodeId } from '../../lib/kernel/qr-login.ids';
import { passkeyErrors } from '../../lib/kernel/qr-login-passkey.errors';
import { passkeyChallengeOf } from '../../lib/kernel/qr-login.passkey-challenge';
import { BY_ID } from '../../lib/kernel/qr-login.reach';
import type { QrCodeRecord } from '../../lib/kernel/interfaces/qr-code.interface';
import type { QrLoginEvent } from '../../lib/kernel/interfaces/qr-login-events.interface';
import type { QrLoginContext } from '../../lib/kernel/interfaces/qr-login-options.interface';
import type { QrLoginApprovalFacts, QrLoginApprovalPort } from '../../lib/kernel/interfaces/qr-login-approval.port';
import type {
  QrLoginRiskAssessment,
  QrLoginRiskPort,
  QrLoginScanFacts,
} from '../../lib/kernel/interfaces/qr-login-risk.port';
import { MemoryQrLoginStore } from '../../lib/stores/memory-qr-login.store';
import { newRecord } from '../../lib/testing';
import { codeOf, recordingInstrumentation } from '../support/kernel-parts';
import { ManualClock } from '../support/manual-clock';
import { closedAfterEach } from '../support/closed-after-each';

/*
 * How a scan, a confirm and a cancel are decided and written, on the memory
 * store and a manual clock: what each writes to the record, what it answers,
 * which events it reports, what the risk policy and the approval layer are
 * asked and how their answers change the record.
 */

const ALICE = { id: 'u-alice', name: 'Alice' };
const BOB = { id: 'u-bob', name: 'Bob' };
const ALLOW: QrLoginRiskAssessment = { verdict: 'allow', flags: [], facts: { sameIp: true, sameNetwork: true } };

describe('QrLoginAppActions', () => {
  const keep = closedAfterEach<MemoryQrLoginStore>();

  function setUp(
    options: {
      verdict?: QrLoginRiskAssessment['verdict'];
      approval?: QrLoginApprovalPort;
      onAuthorized?: (context: QrLoginContext) => void;
    } = {},
  ) {
    const store = keep(new MemoryQrLoginStore());
    const clock = new ManualClock();
    const config = resolveQrLoginConfig({
      appAuth: { resolveUser: () => null },
      clock,
      ticketTtl: 30,
      getUserId: (user: { id: string }) => user.id,
      getBriefUserInfo: (user: { name: string }) => ({ displayName: user.name }),
      ...(options.onAuthorized ? { onAuthorized: options.onAuthorized } : {}),
    });
    const repository = new QrCodeRepository(store, clock);
    const audit = new QrLoginAudit(clock, (id) => repository.get(id));
    const events: QrLoginEvent[] = [];
    audit.events$.subscribe((event) => events.push(event));
    const assessed: QrLoginScanFacts[] = [];
    const risk: QrLoginRiskPort = {
      assess: async (facts) => {
        assessed.push(facts);
        return {
          requester: { ...facts.requester, clientSupplied: [] },
          risk: { ...ALLOW, verdict: options.verdict ?? 'allow', flags: ['different-network'] },
        };
      },
    };
    const { instrumentation, measured } = recordingInstrumentation();
    const actions = new QrLoginAppActions(config, repository, audit, risk, instrumentation, options.approval);
    const add = async (overrides: Partial<QrCodeRecord> = {}): Promise<string> => {
      const expiresAt = clock.now() + 60_000;
      const id = newQrCodeId(expiresAt);
      await store.create(
        newRecord({
          id,
          createdAt: clock.now(),
          expiresAt,
          retainUntil: expiresAt,
          customData: undefined,
          ...overrides,
        }),
      );
      return id;
    };
    const read = async (id: string): Promise<QrCodeRecord> => (await store.get(id))!;
    return { store, clock, actions, events, assessed, measured, add, read };
  }

  describe('scan', () => {
    it('marks a pending code SCANNED by the user, with the risk it was shown, and answers what the phone shows', async () => {
      const { actions, clock, add, read, events, assessed, measured } = setUp();
      const id = await add({ requester: { ip: '203.0.113.7', createdAt: new Date(clock.now()).toISOString() } });
      clock.advance(10_500);
      const result = await actions.scan(id, ALICE, { ip: '198.51.100.2' });
      expect(result).toStrictEqual({
        qrcodeId: id,
        status: 'SCANNED',
        flow: 'qr',
        expiresIn: 49,
        requester: { ip: '203.0.113.7', createdAt: expect.any(String), clientSupplied: [] },
        risk: { ...ALLOW, flags: ['different-network'] },
      });
      const record = await read(id);
      expect(record.status).toBe('SCANNED');
      expect(record.scannedBy).toStrictEqual({
        userId: 'u-alice',
        briefUserInfo: { displayName: 'Alice' },
        scannedAt: clock.now(),
        risk: { verdict: 'allow', flags: ['different-network'], facts: ALLOW.facts },
      });
      expect(record.approval).toBeUndefined();
      expect(assessed).toStrictEqual([
        { requester: record.requester, scanner: { ip: '198.51.100.2' }, qrcodeId: id, appUser: ALICE, flow: 'qr' },
      ]);
      expect(events.map((e) => [e.type, e.userId])).toStrictEqual([['scanned', 'u-alice']]);
      expect(measured).toStrictEqual([['scan', id]]);
    });

    it('answers the client that asked for the code and the choices of its match number', async () => {
      const { actions, add } = setUp();
      const id = await add({
        requester: { createdAt: new Date().toISOString(), client: { id: 'app-1', name: 'Shop' } },
        match: { code: '42', choices: ['17', '42', '93'] },
      });
      const result = await actions.scan(id, ALICE);
      expect(result.client).toStrictEqual({ id: 'app-1', name: 'Shop' });
      expect(result.matchChoices).toStrictEqual(['17', '42', '93']);
      expect(result.matchKind).toBe('number');
    });

    it('asks the approval layer with the route family and the risk; a passkey answer is written and told', async () => {
      const asked: QrLoginApprovalFacts[] = [];
      const approval: QrLoginApprovalPort = {
        methodFor: async (facts) => (asked.push(facts), 'passkey'),
        verifyPasskey: async () => undefined,
      };
      const { actions, add, read } = setUp({ approval });
      const id = await add({ binding: { reveal: 'creator', redeem: 'creator', via: 'wechat' } });
      const before = (await read(id)).version;
      const result = await actions.scan(id, ALICE);
      expect(asked).toStrictEqual([
        {
          qrcodeId: id,
          flow: 'qr',
          via: 'wechat',
          risk: { ...ALLOW, flags: ['different-network'] },
          appUser: ALICE,
          userId: 'u-alice',
        },
      ]);
      const record = await read(id);
      expect(record.approval).toStrictEqual({ method: 'passkey', version: before, shown: expect.any(String) });
      expect(result.approval).toStrictEqual({ method: 'passkey', version: before });
    });

    it('names the route family native for a code stored without a binding', async () => {
      const asked: string[] = [];
      const approval: QrLoginApprovalPort = {
        methodFor: async (facts) => (asked.push(facts.via), 'token'),
        verifyPasskey: async () => undefined,
      };
      const { actions, add } = setUp({ approval });
      const id = await add();
      const result = await actions.scan(id, ALICE);
      expect(asked).toStrictEqual(['native']);
      expect(result.approval).toBeUndefined();
    });

    it('a deny verdict cancels the code as RISK_DENIED, reports it and refuses the scan', async () => {
      const { actions, add, read, events } = setUp({ verdict: 'deny' });
      const id = await add();
      expect(await codeOf(actions.scan(id, ALICE))).toBe('QR_RISK_DENIED');
      const record = await read(id);
      expect(record.status).toBe('CANCELLED');
      expect(record.cancelReason).toBe('RISK_DENIED');
      expect(events.map((e) => [e.type, e.code, e.userId])).toStrictEqual([
        ['cancelled', 'RISK_DENIED', undefined],
        ['refused', 'QR_RISK_DENIED', 'u-alice'],
      ]);
    });

    it('a code the rules refuse is reported and never reaches the risk policy', async () => {
      const { actions, add, events, assessed } = setUp();
      const id = await add();
      await actions.scan(id, ALICE);
      events.length = 0;
      expect(await codeOf(actions.scan(id, BOB))).toBe('QR_ALREADY_SCANNED');
      expect(assessed).toHaveLength(1);
      expect(events).toStrictEqual([
        {
          type: 'refused',
          qrcodeId: id,
          at: expect.any(Number),
          action: 'SCAN',
          code: 'QR_ALREADY_SCANNED',
          userId: 'u-bob',
        },
      ]);
    });

    it('the same user scanning again changes nothing and still answers', async () => {
      const { actions, add, read } = setUp();
      const id = await add();
      await actions.scan(id, ALICE);
      const first = await read(id);
      const again = await actions.scan(id, ALICE);
      expect(again.status).toBe('SCANNED');
      expect(await read(id)).toStrictEqual(first);
    });
  });

  describe('confirm', () => {
    it('authorizes the scanner with a ticket for ticketTtl, reports it and calls onAuthorized', async () => {
      const contexts: QrLoginContext[] = [];
      const { actions, clock, add, read, events, measured } = setUp({ onAuthorized: (c) => void contexts.push(c) });
      const id = await add();
      await actions.scan(id, ALICE);
      events.length = 0;
      clock.advance(1_000);
      const view = await actions.confirm(id, ALICE);
      expect(view.status).toBe('AUTHORIZED');
      const record = await read(id);
      expect(record.status).toBe('AUTHORIZED');
      expect(record.ticket?.expiresAt).toBe(clock.now() + 30_000);
      expect(events.map((e) => [e.type, e.userId])).toStrictEqual([['authorized', 'u-alice']]);
      expect(contexts.map((c) => [c.qrcodeId, c.userId])).toStrictEqual([[id, 'u-alice']]);
      expect(measured.map(([action]) => action)).toStrictEqual(['scan', 'confirm']);
    });

    it('a wrong match number cancels the code, reports it twice and refuses with QR_MATCH_FAILED', async () => {
      const { actions, add, read, events } = setUp();
      const id = await add({ match: { code: '42', choices: ['17', '42', '93'] } });
      await actions.scan(id, ALICE);
      events.length = 0;
      const refusal = await actions.confirm(id, ALICE, { matchCode: '17' }).catch((error: Error) => error);
      expect(refusal).toMatchObject({ code: 'QR_MATCH_FAILED', message: qrErrors.matchFailed().message });
      const record = await read(id);
      expect(record.status).toBe('CANCELLED');
      expect(record.cancelReason).toBe('MATCH_FAILED');
      expect(events.map((e) => [e.type, e.code, e.userId])).toStrictEqual([
        ['cancelled', 'QR_MATCH_FAILED', 'u-alice'],
        ['refused', 'QR_MATCH_FAILED', 'u-alice'],
      ]);
    });

    it('a wrong pick on a device flow is refused as a user-code mismatch', async () => {
      const { actions, add } = setUp();
      const id = await add({ flow: 'device', match: { code: '42', choices: ['17', '42', '93'] } });
      await actions.scan(id, ALICE);
      const expected = qrErrors.userCodeMatchFailed().message;
      expect(expected).not.toBe(qrErrors.matchFailed().message);
      const refusal = await actions.confirm(id, ALICE, { matchCode: '17' }).catch((error: Error) => error);
      expect(refusal).toMatchObject({ code: 'QR_MATCH_FAILED', message: expected });
    });

    it('a right match number authorizes', async () => {
      const { actions, add } = setUp();
      const id = await add({ match: { code: '42', choices: ['17', '42', '93'] } });
      await actions.scan(id, ALICE);
      expect((await actions.confirm(id, ALICE, { matchCode: '42' })).status).toBe('AUTHORIZED');
    });

    it('someone else than the scanner is refused and reported, and the code stays SCANNED', async () => {
      const { actions, add, read, events } = setUp();
      const id = await add();
      await actions.scan(id, ALICE);
      events.length = 0;
      expect(await codeOf(actions.confirm(id, BOB))).toBe('QR_NOT_SCANNER');
      expect((await read(id)).status).toBe('SCANNED');
      expect(events.map((e) => [e.type, e.action, e.code, e.userId])).toStrictEqual([
        ['refused', 'CONFIRM', 'QR_NOT_SCANNER', 'u-bob'],
      ]);
    });
  });

  describe('confirm with a passkey', () => {
    function withPasskey(verify: (challenge: string) => Promise<void>) {
      const checked: Array<{ challenge: string; userId: string }> = [];
      const approval: QrLoginApprovalPort = {
        methodFor: async () => 'passkey',
        verifyPasskey: async ({ challenge, userId }) => {
          checked.push({ challenge, userId });
          await verify(challenge);
        },
      };
      return { checked, ...setUp({ approval }) };
    }

    it('checks the assertion over the challenge derived from the record, then authorizes', async () => {
      const { actions, add, read, checked } = withPasskey(async () => undefined);
      const id = await add();
      await actions.scan(id, ALICE);
      const challenge = passkeyChallengeOf(await read(id));
      expect(challenge).toEqual(expect.any(String));
      expect((await actions.confirm(id, ALICE, { passkey: { id: 'cred' } })).status).toBe('AUTHORIZED');
      expect(checked).toStrictEqual([{ challenge, userId: 'u-alice' }]);
    });

    it('without an assertion the confirm is refused and the code stays SCANNED', async () => {
      const { actions, add, read, checked } = withPasskey(async () => undefined);
      const id = await add();
      await actions.scan(id, ALICE);
      expect(await codeOf(actions.confirm(id, ALICE))).toBe('QR_PASSKEY_REQUIRED');
      expect(checked).toStrictEqual([]);
      expect((await read(id)).status).toBe('SCANNED');
    });

    it.each([
      ['fails verification', passkeyErrors.invalid('bad signature'), 'QR_PASSKEY_INVALID'],
      ['was used before', passkeyErrors.replayed(), 'QR_PASSKEY_REPLAYED'],
      ['has a counter that did not advance', passkeyErrors.counter(), 'QR_PASSKEY_COUNTER'],
    ])('an assertion that %s cancels the code as PASSKEY_FAILED and is reported', async (_what, refusal, code) => {
      const { actions, add, read, events } = withPasskey(() => Promise.reject(refusal));
      const id = await add();
      await actions.scan(id, ALICE);
      events.length = 0;
      expect(await codeOf(actions.confirm(id, ALICE, { passkey: { id: 'cred' } }))).toBe(code);
      const record = await read(id);
      expect(record.status).toBe('CANCELLED');
      expect(record.cancelReason).toBe('PASSKEY_FAILED');
      expect(events.map((e) => [e.type, e.code, e.userId])).toStrictEqual([
        ['cancelled', 'PASSKEY_FAILED', undefined],
        ['refused', code, 'u-alice'],
      ]);
    });

    it('passkeys switched off refuse the confirm but end nothing', async () => {
      const { actions, add, read } = withPasskey(() => Promise.reject(passkeyErrors.disabled()));
      const id = await add();
      await actions.scan(id, ALICE);
      expect(await codeOf(actions.confirm(id, ALICE, { passkey: { id: 'cred' } }))).toBe('QR_PASSKEYS_DISABLED');
      expect((await read(id)).status).toBe('SCANNED');
    });

    it('an assertion from someone else than the scanner is never checked and ends nothing', async () => {
      const { actions, add, read, checked } = withPasskey(() => Promise.reject(passkeyErrors.invalid('bad')));
      const id = await add();
      await actions.scan(id, ALICE);
      expect(await codeOf(actions.confirm(id, BOB, { passkey: { id: 'cred' } }))).toBe('QR_NOT_SCANNER');
      expect(checked).toStrictEqual([]);
      expect((await read(id)).status).toBe('SCANNED');
    });

    it('an assertion beside a wrong match number is never checked: the mismatch decides', async () => {
      const { actions, add, read, checked } = withPasskey(() => Promise.reject(passkeyErrors.invalid('bad')));
      const id = await add({ match: { code: '42', choices: ['17', '42', '93'] } });
      await actions.scan(id, ALICE);
      expect(await codeOf(actions.confirm(id, ALICE, { matchCode: '17', passkey: { id: 'c' } }))).toBe(
        'QR_MATCH_FAILED',
      );
      expect(checked).toStrictEqual([]);
      expect((await read(id)).cancelReason).toBe('MATCH_FAILED');
    });
  });

  describe('cancel and refuse', () => {
    it('the scanner cancels: CANCELLED without a reason, reported with the user', async () => {
      const { actions, add, read, events, measured } = setUp();
      const id = await add();
      await actions.scan(id, ALICE);
      events.length = 0;
      expect((await actions.cancel(id, ALICE)).status).toBe('CANCELLED');
      const record = await read(id);
      expect(record.status).toBe('CANCELLED');
      expect(record.cancelReason).toBeUndefined();
      expect(events.map((e) => [e.type, e.userId])).toStrictEqual([['cancelled', 'u-alice']]);
      expect(measured.at(-1)).toStrictEqual(['cancel', id]);
    });

    it('refuse cancels an open code with the reason once; on an ended code it reports nothing', async () => {
      const { actions, add, read, events } = setUp();
      const id = await add();
      expect((await actions.refuse(id, 'POLICY')).status).toBe('CANCELLED');
      expect((await read(id)).cancelReason).toBe('POLICY');
      expect((await actions.refuse(id, 'AGAIN')).status).toBe('CANCELLED');
      expect((await read(id)).cancelReason).toBe('POLICY');
      expect(events.map((e) => [e.type, e.code])).toStrictEqual([['cancelled', 'POLICY']]);
    });
  });

  describe('act', () => {
    it('refuses an action that is none of the three, before anything is measured', async () => {
      const { actions, add, measured } = setUp();
      const id = await add();
      const run = actions.act(id, 'REDEEM' as never, ALICE, {}, BY_ID);
      expect(await run.catch((error: Error) => error)).toMatchObject({
        code: 'QR_VALIDATION_FAILED',
        message: '"action" must be SCAN, CONFIRM or CANCEL.',
      });
      expect(measured).toStrictEqual([]);
    });

    it('a code named by a lookup is measured without an id and acted on once found', async () => {
      const { actions, add, read, measured } = setUp();
      const id = await add();
      const result = await actions.act(async () => id, 'SCAN', ALICE, { scanner: {} }, BY_ID);
      expect(result.status).toBe('SCANNED');
      expect((await read(id)).status).toBe('SCANNED');
      expect(measured).toStrictEqual([['scan', undefined]]);
      await actions.act(id, 'CONFIRM', ALICE, {}, BY_ID);
      expect((await read(id)).status).toBe('AUTHORIZED');
    });
  });
});
