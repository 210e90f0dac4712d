import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { beforeEach, expect, it } from 'vitest';
import { QrLoginService } from '../../lib';
import { QR_LOGIN_ATTRIBUTES as A, QR_LOGIN_SPANS as S, hashOfCodeId } from '../../lib/telemetry';
import { asUser, creatorHeader, request } from '../support/http';
import { requestDeviceToken, startDeviceAuthorization } from '../support/device-grant';
import { eventually, openSse } from '../support/sse';
import {
  actionSpansOf,
  childrenOf,
  describeTelemetry,
  durationNs,
  everythingRecorded,
  msOf,
  within,
} from './telemetry-app';

/** `db.system.name` of each store kind's client spans (none for the memory store, which is no database). */
const DB_SYSTEM: Record<string, string | undefined> = { memory: undefined, redis: 'redis', postgres: 'postgresql' };
const ERROR = 2;
const CLIENT = 2;
const INTERNAL = 0;

/**
 * The spans that measure the kernel's actions, streams and store calls, over
 * every store and both adapters, read from the SDK's in-memory exporter: each
 * action's span lasts from its start to its end with its store calls as
 * children inside it, a refusal ends its span with status ERROR and the
 * stable code, and no attribute holds an id, ticket, secret or token of the run.
 */
describeTelemetry('spans', (cell, _adapter, kind) => {
  const { clock, sink } = cell;
  beforeEach(() => sink.spans.reset());

  /** Every store span recorded: a client span named after its method, measured, on this store. */
  const expectStoreSpansMeasured = () => {
    const store = sink.spans.getFinishedSpans().filter((span) => span.name.startsWith(S.storePrefix));
    expect(store.length).toBeGreaterThan(3);
    for (const span of store) {
      expect(span.name).toBe(`${S.storePrefix}${span.attributes[A.dbOperation]}`);
      expect(span.kind).toBe(CLIENT);
      expect(span.attributes[A.store]).toBe(kind.name);
      expect(span.attributes[A.dbSystem]).toBe(DB_SYSTEM[kind.name]);
      expect(durationNs(span), span.name).toBeGreaterThan(0);
    }
  };
  /** The store calls an action made: children of its span, inside its time, on its trace, one after another. */
  const storeCallsOf = (action: ReadableSpan) => {
    const calls = childrenOf(sink, action);
    for (const call of calls) expect(within(call, action), `${call.name} inside ${action.name}`).toBe(true);
    // The kernel awaits each store call before the next: the action lasts at least as long as all of them.
    const storeTime = calls.reduce((sum, call) => sum + durationNs(call), 0);
    expect(durationNs(action), action.name).toBeGreaterThanOrEqual(storeTime);
    return calls.map((call) => call.name);
  };
  const expectNothingOf = (secrets: unknown[]) => {
    const recorded = everythingRecorded({ scopeMetrics: [] } as never, sink);
    expect(recorded).toContain(A.codeHash);
    for (const secret of secrets) {
      expect(typeof secret === 'string' && secret.length > 5, String(secret)).toBe(true);
      expect(recorded).not.toContain(secret);
    }
  };

  it('measures a whole login: each action with its store calls inside it, and the stream for its life', async () => {
    const created = await cell.api.create();
    const id = created.body.qrcodeId as string;
    const stream = await openSse(cell.api.eventsUrl(id), creatorHeader(created));
    await stream.waitForEvents(1);
    expect((await cell.api.status(id, creatorHeader(created))).status).toBe(200);
    expect((await cell.api.act(id, 'scan', asUser('alice'))).status).toBe(200);
    expect((await cell.api.act(id, 'confirm', asUser('alice'))).status).toBe(200);
    await stream.ended;
    const ticket = (await cell.api.status(id, creatorHeader(created))).body.ticket as string;
    const login = await cell.api.login(ticket, creatorHeader(created));
    expect(login.status).toBe(200);
    const hash = hashOfCodeId(id);
    await eventually(
      () => sink.spans.getFinishedSpans().some((span) => span.name === S.stream),
      15_000,
      'the stream span',
    );

    const actions = actionSpansOf(sink, hash);
    // The stream's route checks the code first (a poll), then the page's poll, the phone, the ticket's poll, the login.
    expect(actions.map((span) => span.name)).toEqual([S.create, S.poll, S.poll, S.scan, S.confirm, S.poll, S.redeem]);
    for (const span of actions) {
      expect(span.kind).toBe(INTERNAL);
      expect(span.status.code, span.name).not.toBe(ERROR);
      expect(span.attributes).toMatchObject({ [A.store]: kind.name, [A.codeHash]: hash });
      // The flow is what the action's events tell: a status read reports none.
      expect(span.attributes[A.flow], span.name).toBe(span.name === S.poll ? undefined : 'qr');
      expect(durationNs(span)).toBeGreaterThan(0);
    }
    const [create, , , scan, confirm, , redeem] = actions;
    expect(storeCallsOf(create)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^qr_login\.store\.create(WithAlias)?$/)]),
    );
    expect(storeCallsOf(scan)).toEqual(expect.arrayContaining(['qr_login.store.get', 'qr_login.store.compareAndSet']));
    expect(storeCallsOf(confirm)).toEqual(
      expect.arrayContaining(['qr_login.store.get', 'qr_login.store.compareAndSet']),
    );
    expect(storeCallsOf(redeem)).toEqual(
      expect.arrayContaining(['qr_login.store.get', 'qr_login.store.compareAndSet']),
    );
    for (const span of actions) expect(storeCallsOf(span).length, span.name).toBeGreaterThan(0);
    expectStoreSpansMeasured();

    const streams = sink.spans.getFinishedSpans().filter((span) => span.name === S.stream);
    expect(streams).toHaveLength(1);
    expect(streams[0].attributes).toMatchObject({
      [A.codeHash]: hash,
      [A.store]: kind.name,
      [A.streamEndStatus]: 'AUTHORIZED',
    });
    // Open before the phone scanned; closed once the confirmation was written (within it, on the memory store's
    // synchronous feed). Starts compare to 1 ms (see `within`); the stream lasted at least the scan's length.
    expect(msOf(streams[0].startTime)).toBeLessThanOrEqual(msOf(scan.startTime) + 1);
    expect(msOf(streams[0].endTime)).toBeGreaterThanOrEqual(msOf(confirm.startTime) - 1);
    expect(durationNs(streams[0])).toBeGreaterThan(durationNs(scan));
    expectNothingOf([id, created.body.creatorSecret, ticket, login.body.access_token]);
  });

  it('ends a refused action’s span with status ERROR and the stable code, its store calls inside it', async () => {
    const created = await cell.api.create();
    const id = created.body.qrcodeId as string;
    const hash = hashOfCodeId(id);
    expect((await cell.api.act(id, 'scan', asUser('alice'))).status).toBe(200);
    const wrongUser = await cell.api.act(id, 'confirm', asUser('bob'));
    expect(wrongUser.status).toBe(403);
    expect(wrongUser.body.code).toBe('QR_NOT_SCANNER');
    // A ticket of the right shape for this code, but not its ticket.
    const forged = `${id}.${'A'.repeat(43)}`;
    const redeem = await cell.api.login(forged, creatorHeader(created));
    expect(redeem.status).toBeGreaterThanOrEqual(400);

    const [, , refusedConfirm, refusedRedeem] = actionSpansOf(sink, hash);
    expect(actionSpansOf(sink, hash).map((span) => span.name)).toEqual([S.create, S.scan, S.confirm, S.redeem]);
    expect(refusedConfirm.status).toEqual({ code: ERROR, message: 'QR_NOT_SCANNER' });
    expect(refusedConfirm.attributes).toMatchObject({ [A.errorType]: 'QR_NOT_SCANNER', [A.flow]: 'qr' });
    expect(storeCallsOf(refusedConfirm)).toContain('qr_login.store.get');
    expect(refusedRedeem.status).toEqual({ code: ERROR, message: redeem.body.code });
    expect(refusedRedeem.attributes[A.errorType]).toBe(redeem.body.code);
    expect(storeCallsOf(refusedRedeem)).toContain('qr_login.store.get');
    expectStoreSpansMeasured();
    expectNothingOf([id, created.body.creatorSecret, forged]);
  });

  it('measures a device flow: the user code’s lookup inside the scan, the token polls, the redemption', async () => {
    const started = await startDeviceAuthorization(cell.url);
    expect(started.status).toBe(200);
    const { device_code: deviceCode, user_code: userCode } = started.body as Record<string, string>;
    const id = (await cell.app.get(QrLoginService).resolveUserCode(userCode)) as string;
    const hash = hashOfCodeId(id);
    const phone = (path: string, user: 'alice' | 'bob' = 'alice') =>
      request(`${cell.url}/qr-login/${path}`, { method: 'POST', json: { userCode }, headers: asUser(user) });
    const poll = () => {
      clock.advance(2_000);
      return requestDeviceToken(cell.url, deviceCode);
    };
    expect((await poll()).status).toBe(400);
    expect((await phone('user-codes/scan')).status).toBe(200);
    expect((await phone('user-codes/confirm', 'bob')).status).toBe(403);
    expect((await phone('user-codes/confirm')).status).toBe(200);
    const token = await poll();
    expect(token.status).toBe(200);

    const actions = actionSpansOf(sink, hash);
    expect(actions.map((span) => span.name)).toEqual([
      S.create,
      S.poll,
      S.scan,
      S.confirm,
      S.confirm,
      S.poll,
      S.redeem,
    ]);
    for (const span of actions)
      expect(span.attributes[A.flow], span.name).toBe(span.name === S.poll ? undefined : 'device');
    const [, , scan, refused, confirm] = actions;
    // Reached by user code: the lookup is part of each phone action, and the code is named once it is known.
    for (const span of [scan, refused, confirm])
      expect(storeCallsOf(span)).toEqual(expect.arrayContaining(['qr_login.store.resolveAlias', 'qr_login.store.get']));
    const lookup = childrenOf(sink, scan).find((span) => span.name === 'qr_login.store.resolveAlias')!;
    expect(lookup.attributes[A.codeHash]).toBeUndefined();
    expect(refused.status).toEqual({ code: ERROR, message: 'QR_NOT_SCANNER' });
    expect(confirm.status.code).not.toBe(ERROR);
    expectStoreSpansMeasured();
    const normalized = userCode.replace(/[^A-Z0-9]/gi, '');
    expectNothingOf([id, deviceCode, userCode, normalized, token.body.access_token]);
  });
});
