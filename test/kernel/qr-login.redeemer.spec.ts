import { afterEach, describe, expect, it } from 'vitest';
import { QrLoginError } from '../../lib/kernel/qr-login.errors';
import { newQrCodeId, newSecret } from '../../lib/kernel/qr-login.ids';
import { contextOf } from '../../lib/kernel/qr-login.redeemer';
import type { QrCodeRecord } from '../../lib/kernel/interfaces/qr-code.interface';
import { MemoryQrLoginStore } from '../../lib/stores/memory-qr-login.store';
import { kernelOnClock, recordingInstrumentation, type KernelOnClock } from '../support/kernel-parts';

/*
 * A ticket's single use and its lifetime, on the memory store and a manual
 * clock: a code is created, scanned and confirmed by the kernel's own parts,
 * then its ticket is redeemed at and one millisecond past each bound.
 */

const alice = { id: 'u-alice', name: 'Alice' };
const TICKET_TTL_MS = 30_000;

const opened: KernelOnClock[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((kernel) => kernel.close()));
});

function kernel(...args: Parameters<typeof kernelOnClock>): KernelOnClock {
  const made = kernelOnClock(...args);
  opened.push(made);
  return made;
}

/** Creates a code, lets alice scan and confirm it after `confirmAfterMs`; the ticket, proof and confirm time. */
async function authorized(k: KernelOnClock, confirmAfterMs = 1_000, input = {}) {
  const created = await k.issuer.create(input, { ip: '203.0.113.7', userAgent: 'Test/1.0' });
  await k.actions.scan(created.qrcodeId, alice);
  k.clock.advance(confirmAfterMs);
  await k.actions.confirm(created.qrcodeId, alice);
  const record = (await k.store.get(created.qrcodeId))!;
  return {
    qrcodeId: created.qrcodeId,
    ticket: record.ticket!.value,
    proof: { creatorSecrets: [created.creatorSecret] },
    confirmedAt: k.clock.now(),
  };
}

/** The error code a promise is refused with. */
const refusalOf = (promise: Promise<unknown>): Promise<string | undefined> =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof QrLoginError ? error.code : `not a QrLoginError: ${String(error)}`),
  );

describe('QrLoginRedeemer.redeem', () => {
  it('lets a ticket be used once: the second redemption is QR_TICKET_USED', async () => {
    const k = kernel({ ticketTtl: TICKET_TTL_MS / 1000 });
    const { ticket, proof, qrcodeId } = await authorized(k);
    const context = await k.redeemer.redeem(ticket, proof);
    expect(context).toMatchObject({ qrcodeId, userId: 'u-alice' });
    expect((await k.store.get(qrcodeId))?.ticket?.redeemedAt).toBe(k.clock.now());
    expect(await refusalOf(k.redeemer.redeem(ticket, proof))).toBe('QR_TICKET_USED');
  });

  it('takes a ticket until the last millisecond of its lifetime, counted from the confirm', async () => {
    const k = kernel({ ticketTtl: TICKET_TTL_MS / 1000 });
    const { ticket, proof, confirmedAt } = await authorized(k);
    k.clock.advance(TICKET_TTL_MS - 1);
    expect(k.clock.now()).toBe(confirmedAt + TICKET_TTL_MS - 1);
    await expect(k.redeemer.redeem(ticket, proof)).resolves.toMatchObject({ userId: 'u-alice' });
  });

  it('refuses a ticket as QR_TICKET_EXPIRED from the moment its lifetime ends, and leaves it unused', async () => {
    const k = kernel({ ticketTtl: TICKET_TTL_MS / 1000 });
    const { ticket, proof, qrcodeId, confirmedAt } = await authorized(k);
    k.clock.advance(TICKET_TTL_MS);
    expect(k.clock.now()).toBe(confirmedAt + TICKET_TTL_MS);
    expect(await refusalOf(k.redeemer.redeem(ticket, proof))).toBe('QR_TICKET_EXPIRED');
    expect((await k.store.get(qrcodeId))?.ticket?.redeemedAt).toBeUndefined();
  });

  it("keeps the ticket's own lifetime after the code's lifetime ended", async () => {
    // Code: 60 s; confirmed at 50 s; the ticket lives 30 s from there, 20 s past the code's end.
    const k = kernel({ qrCodeTtl: 60, ticketTtl: 30 });
    const { ticket, proof } = await authorized(k, 50_000);
    k.clock.advance(TICKET_TTL_MS - 1);
    await expect(k.redeemer.redeem(ticket, proof)).resolves.toMatchObject({ userId: 'u-alice' });
  });

  it.each([
    ['no ticket', undefined, 'QR_TICKET_MISSING'],
    ['an empty ticket', '', 'QR_TICKET_MISSING'],
    ['a number', 42, 'QR_TICKET_MISSING'],
    ['a malformed ticket', 'not-a-ticket', 'QR_TICKET_INVALID'],
  ])('refuses %s as %s, before any store access', async (_what, ticket, code) => {
    const k = kernel();
    expect(await refusalOf(k.redeemer.redeem(ticket, undefined))).toBe(code);
  });

  it('refuses a well-formed ticket with another secret as QR_TICKET_INVALID, and reports the refusal', async () => {
    const k = kernel();
    const { qrcodeId, proof } = await authorized(k);
    expect(await refusalOf(k.redeemer.redeem(`${qrcodeId}.${newSecret()}`, proof))).toBe('QR_TICKET_INVALID');
    expect(k.events.at(-1)).toMatchObject({ type: 'refused', qrcodeId, action: 'REDEEM', code: 'QR_TICKET_INVALID' });
  });

  it('refuses the ticket of a code the store does not know, or forgot after expiry, as QR_TICKET_INVALID', async () => {
    const k = kernel();
    // An unknown id whose lifetime lies ahead: the store answers QR_NOT_FOUND.
    const unknown = newQrCodeId(k.clock.now() + 60_000);
    expect(await refusalOf(k.redeemer.redeem(`${unknown}.${newSecret()}`, undefined))).toBe('QR_TICKET_INVALID');
    expect(k.events.at(-1)).toMatchObject({ type: 'refused', qrcodeId: unknown, action: 'REDEEM' });
    // An id whose embedded expiry has passed: the code expired and was forgotten (QR_EXPIRED).
    const forgotten = newQrCodeId(k.clock.now() - 1_000);
    expect(await refusalOf(k.redeemer.redeem(`${forgotten}.${newSecret()}`, undefined))).toBe('QR_TICKET_INVALID');
    expect(k.events.at(-1)).toMatchObject({ type: 'refused', qrcodeId: forgotten, code: 'QR_TICKET_INVALID' });
  });

  it("passes the binding's refusal on as it is: no proof of the creator is QR_CREATOR_SECRET_REQUIRED", async () => {
    const k = kernel();
    const { qrcodeId, ticket } = await authorized(k);
    expect(await refusalOf(k.redeemer.redeem(ticket, undefined))).toBe('QR_CREATOR_SECRET_REQUIRED');
    expect(k.events.at(-1)).toMatchObject({
      type: 'refused',
      qrcodeId,
      action: 'REDEEM',
      code: 'QR_CREATOR_SECRET_REQUIRED',
    });
  });

  it('lets an error that is not a refusal (a broken store) through, reporting no refusal', async () => {
    const broken = new Error('disk on fire');
    class BrokenStore extends MemoryQrLoginStore {
      override async get(): Promise<QrCodeRecord | null> {
        throw broken;
      }
    }
    const k = kernel({ store: new BrokenStore() });
    const ticket = `${newQrCodeId(k.clock.now() + 60_000)}.${newSecret()}`;
    await expect(k.redeemer.redeem(ticket, undefined)).rejects.toBe(broken);
    expect(k.events).toEqual([]);
  });

  it('reports the redemption with the user, and is measured as the redeem action', async () => {
    const { instrumentation, measured } = recordingInstrumentation();
    const k = kernel({}, { instrumentation });
    const { qrcodeId, ticket, proof } = await authorized(k);
    measured.length = 0;
    await k.redeemer.redeem(ticket, proof);
    expect(measured.map(([action]) => action)).toEqual(['redeem']);
    expect(k.events.at(-1)).toMatchObject({ type: 'redeemed', qrcodeId, userId: 'u-alice' });
  });
});

describe('contextOf: what the hooks learn of an authorized code', () => {
  it('names the code, the user, the requester, the flow, amr and the risk, and nothing the code lacks', async () => {
    const k = kernel();
    const { qrcodeId, ticket, proof } = await authorized(k);
    const record = (await k.store.get(qrcodeId))!;
    const context = await k.redeemer.redeem(ticket, proof);
    expect(context).toStrictEqual({
      qrcodeId,
      userId: 'u-alice',
      briefUserInfo: { displayName: 'Alice' },
      requester: record.requester,
      flow: 'qr',
      amr: ['qr'],
      risk: record.scannedBy!.risk,
    });
    expect(context.risk).toMatchObject({ verdict: 'allow' });
  });

  it("adds the creator's JSON, the device flow and the key when the code has them", async () => {
    const k = kernel();
    const { qrcodeId } = await authorized(k, 1_000, { customData: { cart: 7 }, context: { page: '/checkout' } });
    const record = (await k.store.get(qrcodeId))!;
    const context = contextOf({ ...record, flow: 'device', creatorKey: { jkt: 'thumbprint' } });
    expect(context).toMatchObject({
      customData: { cart: 7 },
      context: { page: '/checkout' },
      flow: 'device',
      dpop: { jkt: 'thumbprint' },
    });
    const { risk: _risk, ...unassessed } = record.scannedBy!;
    expect(contextOf({ ...record, scannedBy: unassessed })).not.toHaveProperty('risk');
  });
});

describe('QrLoginRedeemer.loadUser', () => {
  it.each([null, undefined, false])('refuses the login when loadUser answers %s (QR_USER_REFUSED)', async (answer) => {
    const k = kernel({ loadUser: () => answer });
    const { ticket, proof } = await authorized(k);
    const context = await k.redeemer.redeem(ticket, proof);
    expect(await refusalOf(k.redeemer.loadUser(context))).toBe('QR_USER_REFUSED');
  });

  it("returns loadUser's user, given the user id and the context", async () => {
    const calls: unknown[][] = [];
    const k = kernel({
      loadUser: (userId, context) => {
        calls.push([userId, context.qrcodeId]);
        return { id: userId, plan: 'pro' };
      },
    });
    const { ticket, proof, qrcodeId } = await authorized(k);
    const context = await k.redeemer.redeem(ticket, proof);
    await expect(k.redeemer.loadUser(context)).resolves.toEqual({ id: 'u-alice', plan: 'pro' });
    expect(calls).toEqual([['u-alice', qrcodeId]]);
  });
});
