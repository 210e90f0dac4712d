import { describe, expect, it } from 'vitest';
import { QrLoginAudit } from '../../lib/kernel/qr-login.audit';
import type { QrLoginTimer } from '../../lib/kernel/qr-login.clock';
import type { QrCodeRecord } from '../../lib/kernel/interfaces/qr-code.interface';
import type { QrLoginEvent } from '../../lib/kernel/interfaces/qr-login-events.interface';
import { ManualClock } from '../support/manual-clock';

/*
 * The lifecycle events exactly as listeners get them (no secret, hash or
 * ticket in them), the expiry check armed per open code on a manual clock,
 * and that nobody listening costs nothing.
 */

const START = 1_800_000_000_000;

/** A manual clock that counts reads of the time and records the timers cleared. */
class WatchedClock extends ManualClock {
  reads = 0;
  readonly cleared: QrLoginTimer[] = [];

  override now(): number {
    this.reads++;
    return super.now();
  }

  override clearTimeout(timer: QrLoginTimer): void {
    this.cleared.push(timer);
    super.clearTimeout(timer);
  }
}

const requester = { ip: '203.0.113.7', userAgent: 'test', createdAt: new Date(START).toISOString() };

function record(overrides: Partial<QrCodeRecord> = {}): QrCodeRecord {
  return {
    id: 'code-1',
    type: 'MOBILE_APP',
    status: 'PENDING',
    version: 1,
    createdAt: START - 3000,
    expiresAt: START + 1000,
    retainUntil: START + 60_000,
    creatorSecretHash: 'secret-hash',
    requester,
    customData: { private: true },
    ...overrides,
  };
}

function setUp(stored: Map<string, QrCodeRecord | Error> = new Map()) {
  const clock = new WatchedClock(START);
  const audit = new QrLoginAudit(clock, async (id) => {
    const found = stored.get(id);
    if (found instanceof Error) throw found;
    return found ?? null;
  });
  const events: QrLoginEvent[] = [];
  const listen = () => audit.events$.subscribe((event) => events.push(event));
  return { clock, audit, events, listen, stored };
}

/** Lets the store read started by a fired expiry check settle. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('QrLoginAudit events', () => {
  it('reports a change with the code, the time, the requester and the flow, and nothing secret', () => {
    const { audit, events, listen, clock } = setUp();
    listen();
    clock.advance(10);
    audit.emit('cancelled', record({ ticket: { value: 'ticket-value', expiresAt: START + 5 } }));
    audit.emit(
      'cancelled',
      record({ id: 'code-2', flow: 'device', binding: { reveal: 'anyone', redeem: 'client', via: 'genauth' } }),
    );
    audit.emit('confirmed' as QrLoginEvent['type'], record({ id: 'code-3' }), { userId: 'u1', flow: 'device' });
    expect(events).toStrictEqual([
      { type: 'cancelled', qrcodeId: 'code-1', at: START + 10, requester, flow: 'qr' },
      { type: 'cancelled', qrcodeId: 'code-2', at: START + 10, requester, flow: 'device', via: 'genauth' },
      { type: 'confirmed', qrcodeId: 'code-3', at: START + 10, requester, flow: 'device', userId: 'u1' },
    ]);
  });

  it('gives the start of the step each event ends: the creation for a scan, the scan for an authorization, the end for a redeem', () => {
    const { audit, events, listen } = setUp();
    listen();
    const scanned = record({
      status: 'AUTHORIZED',
      scannedBy: { userId: 'u1', briefUserInfo: { displayName: 'U' }, scannedAt: START - 2000 },
      endedAt: START - 1000,
    });
    for (const type of ['scanned', 'authorized', 'redeemed', 'cancelled', 'created'] as const)
      audit.emit(type, scanned);
    expect(events.map((event) => [event.type, event.stepStartedAt, 'stepStartedAt' in event])).toStrictEqual([
      ['scanned', START - 3000, true],
      ['authorized', START - 2000, true],
      ['redeemed', START - 1000, true],
      ['cancelled', undefined, false],
      ['created', undefined, false],
    ]);
    audit.emit('authorized', record());
    expect('stepStartedAt' in events[5]).toBe(false);
  });

  it('reports refusals with the user when there is one', () => {
    const { audit, events, listen } = setUp();
    listen();
    audit.refused('code-1', 'CONFIRM', 'QR_NOT_SCANNER', 'u2');
    audit.refused('code-1', 'SCAN', 'QR_EXPIRED');
    audit.refused('code-1', 'SCAN', 'QR_EXPIRED', '');
    expect(events).toStrictEqual([
      { type: 'refused', qrcodeId: 'code-1', at: START, action: 'CONFIRM', code: 'QR_NOT_SCANNER', userId: 'u2' },
      { type: 'refused', qrcodeId: 'code-1', at: START, action: 'SCAN', code: 'QR_EXPIRED' },
      { type: 'refused', qrcodeId: 'code-1', at: START, action: 'SCAN', code: 'QR_EXPIRED' },
    ]);
  });

  it("reports a plugin's event as given, with the time added", () => {
    const { audit, events, listen, clock } = setUp();
    listen();
    clock.advance(7);
    audit.report({ type: 'accepted', qrcodeId: 'code-1', source: 'genauth', userId: 'u1' });
    expect(events).toStrictEqual([
      { type: 'accepted', qrcodeId: 'code-1', source: 'genauth', userId: 'u1', at: START + 7 },
    ]);
  });

  it('does no work for an event nobody listens to: the clock is not even read', () => {
    const { audit, clock, events, listen } = setUp();
    audit.emit('scanned', record());
    audit.refused('code-1', 'SCAN', 'QR_EXPIRED');
    audit.report({ type: 'accepted', qrcodeId: 'code-1' });
    expect(clock.reads).toBe(0);
    listen();
    audit.report({ type: 'accepted', qrcodeId: 'code-1' });
    expect([clock.reads, events.length]).toStrictEqual([1, 1]);
  });
});

describe('QrLoginAudit expiry checks', () => {
  it('reports a code created here as expired 5 ms after its expiry, from the record as stored then', async () => {
    const { audit, events, listen, clock, stored } = setUp();
    listen();
    const created = record();
    stored.set('code-1', record({ requester: { ...requester, ip: '198.51.100.1' } }));
    audit.opened(created);
    expect(events).toStrictEqual([{ type: 'created', qrcodeId: 'code-1', at: START, requester, flow: 'qr' }]);
    expect([audit.pendingExpiryChecks, clock.pendingTimers]).toStrictEqual([1, 1]);
    clock.advance(1004);
    await settled();
    expect([events.length, audit.pendingExpiryChecks]).toStrictEqual([1, 1]);
    clock.advance(1);
    expect(audit.pendingExpiryChecks).toBe(0);
    await settled();
    expect(events[1]).toStrictEqual({
      type: 'expired',
      qrcodeId: 'code-1',
      at: START + 1005,
      requester: { ...requester, ip: '198.51.100.1' },
      flow: 'qr',
    });
  });

  it('checks a code created already past its expiry 5 ms later, and reports one that is gone from the store as it was', async () => {
    const { audit, events, listen, clock } = setUp();
    listen();
    audit.opened(record({ expiresAt: START - 500 }));
    clock.advance(4);
    await settled();
    expect(events.map((event) => event.type)).toStrictEqual(['created']);
    clock.advance(1);
    await settled();
    expect(events[1]).toStrictEqual({ type: 'expired', qrcodeId: 'code-1', at: START + 5, requester, flow: 'qr' });
  });

  it('reports no expiry for a code that ended, was rotated, is still open, or cannot be read', async () => {
    const { audit, events, listen, clock, stored } = setUp();
    listen();
    stored.set('ended', record({ id: 'ended', status: 'CANCELLED' }));
    stored.set('rotated', record({ id: 'rotated', replacedBy: 'next' }));
    stored.set('open', record({ id: 'open', expiresAt: START + 10_000 }));
    stored.set('unreadable', new Error('store down'));
    for (const id of ['ended', 'rotated', 'open', 'unreadable']) audit.opened(record({ id }));
    clock.advance(1005);
    await settled();
    expect(events.map((event) => event.type)).toStrictEqual(['created', 'created', 'created', 'created']);
    expect(audit.pendingExpiryChecks).toBe(0);
  });

  it('drops the check of a code that is authorized, cancelled or rotated, and keeps it through other steps', async () => {
    const { audit, clock, stored, events, listen } = setUp();
    listen();
    for (const id of ['a', 'b', 'c', 'd']) {
      audit.opened(record({ id }));
      stored.set(id, record({ id }));
    }
    const armed = clock.pendingTimers;
    audit.emit('scanned', record({ id: 'd' }));
    audit.emit('redeemed', record({ id: 'd' }));
    expect([audit.pendingExpiryChecks, clock.cleared]).toStrictEqual([4, []]);
    audit.emit('authorized', record({ id: 'a' }));
    audit.emit('cancelled', record({ id: 'b' }));
    audit.emit('rotated', record({ id: 'c' }));
    expect([audit.pendingExpiryChecks, clock.pendingTimers, clock.cleared.length]).toStrictEqual([1, armed - 3, 3]);
    audit.emit('cancelled', record({ id: 'b' }));
    audit.emit('cancelled', record({ id: 'never-opened' }));
    expect(clock.cleared.length).toBe(3);
    clock.advance(1005);
    await settled();
    expect(events.filter((event) => event.type === 'expired').map((event) => event.qrcodeId)).toStrictEqual(['d']);
  });

  it('clears every check and ends the event stream when closed', () => {
    const { audit, clock } = setUp();
    let completed = false;
    audit.events$.subscribe({ complete: () => (completed = true) });
    audit.opened(record({ id: 'a' }));
    audit.opened(record({ id: 'b' }));
    audit.close();
    expect([audit.pendingExpiryChecks, clock.pendingTimers, clock.cleared.length, completed]).toStrictEqual([
      0,
      0,
      2,
      true,
    ]);
  });
});
