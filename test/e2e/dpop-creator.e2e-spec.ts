import { beforeAll, expect, it } from 'vitest';
import type { QrLoginModuleOptions } from '../../lib';
import { newDpopKey, type DpopKey } from '../support/dpop';
import { asUser, creatorHeader, request } from '../support/http';
import { ManualClock } from '../support/manual-clock';
import { describeMatrix, type MatrixApp } from '../support/matrix';
import { openSse, statusesOf } from '../support/sse';

/*
 * Key-bound codes (DPoP, RFC 9449): a code created with a proof answers its
 * ticket and redeems only for proofs by the same key; the cookie and the
 * creatorSecret, stolen together, are worth nothing. Each bad proof is
 * refused with its own code; proof ages are checked on a manual clock.
 */

let clock: ManualClock;
const options = (): Partial<QrLoginModuleOptions> => {
  clock = new ManualClock();
  return {
    clock,
    // Rotation happens only on the creator's open stream, so the other cases never see it.
    rotateEvery: 30,
    // The session answer says which key the hooks saw, as an app would put it in `cnf.jkt`.
    issueTokenSet: (user: any, context) => ({
      sessionFor: user.id,
      cnf: context.dpop ? { jkt: context.dpop.jkt } : null,
    }),
  };
};

describeMatrix('DPoP-bound creator', options, (current) => {
  let cell: MatrixApp;
  let owner: DpopKey;
  let stranger: DpopKey;
  beforeAll(async () => {
    cell = current();
    [owner, stranger] = await Promise.all([newDpopKey(), newDpopKey()]);
  });

  const codesUrl = () => `${cell.api.root}/qrcodes`;
  const codeUrl = (id: string) => `${cell.api.root}/qrcodes/${id}`;
  const loginUrl = () => `${cell.api.root}/login`;
  const signed = async (key: DpopKey, method: string, url: string) => ({
    dpop: await key.proof(method, url, { at: clock.now() }),
  });

  /** A key-bound code, scanned and confirmed by Alice; answers its id, the create answer and the cookie. */
  async function authorizedCode() {
    const created = await cell.api.create({}, await signed(owner, 'POST', codesUrl()));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id: string = created.body.qrcodeId;
    const cookie = (created.headers.get('set-cookie') ?? '').split(';')[0];
    expect((await cell.api.act(id, 'scan', asUser('alice'))).status).toBe(200);
    expect((await cell.api.act(id, 'confirm', asUser('alice'))).status).toBe(200);
    const seen = await cell.api.status(id, await signed(owner, 'GET', codeUrl(id)));
    expect(seen.body.status).toBe('AUTHORIZED');
    expect(seen.body.ticket).toEqual(expect.any(String));
    return { id, created, cookie, ticket: seen.body.ticket as string };
  }

  it('logs in with proofs by the creating key, and the hooks see its thumbprint', async () => {
    const created = await cell.api.create({}, await signed(owner, 'POST', codesUrl()));
    const id = created.body.qrcodeId;
    const eventsUrl = cell.api.eventsUrl(id);
    const proof = await owner.proof('GET', eventsUrl, { at: clock.now() });
    const stream = await openSse(`${eventsUrl}?dpop=${encodeURIComponent(proof)}`);
    try {
      expect(stream.status).toBe(200);
      await stream.waitForEvents(1);
      await cell.api.act(id, 'scan', asUser('alice'));
      await cell.api.act(id, 'confirm', asUser('alice'));
      await stream.waitForEvents(3);
      expect(statusesOf(stream)).toEqual(['PENDING', 'SCANNED', 'AUTHORIZED']);
      const ticket = JSON.parse(stream.events[2].data).ticket;
      expect(JSON.parse(stream.events[1].data).briefUserInfo).toMatchObject({ displayName: 'Alice' });
      expect(ticket).toEqual(expect.any(String));
      const login = await cell.api.login(ticket, await signed(owner, 'POST', loginUrl()));
      expect(login.status, JSON.stringify(login.body)).toBe(200);
      expect(login.body).toEqual({ sessionFor: 'u-alice', cnf: { jkt: owner.jkt } });
    } finally {
      stream.close();
    }
  });

  it('shows a thief with the cookie and the creatorSecret, but not the key, no ticket, and redeems nothing', async () => {
    const { id, created, cookie, ticket } = await authorizedCode();
    const thief = { cookie, ...creatorHeader(created) };
    const read = await cell.api.status(id, thief);
    expect(read.body).toEqual({ qrcodeId: id, status: 'AUTHORIZED' });
    const stream = await openSse(cell.api.eventsUrl(id), thief);
    try {
      await stream.waitForEvents(1);
      expect(JSON.parse(stream.events[0].data)).toEqual({ qrcodeId: id, status: 'AUTHORIZED' });
    } finally {
      stream.close();
    }
    const bare = await cell.api.login(ticket, thief);
    expect(bare.status).toBe(401);
    expect(bare.body.code).toBe('QR_DPOP_PROOF_REQUIRED');
    // A valid proof by the thief's own key, with the stolen cookie and secret: still not the creator.
    const ownKey = await cell.api.status(id, { ...thief, ...(await signed(stranger, 'GET', codeUrl(id))) });
    expect(ownKey.body.ticket).toBeUndefined();
    const keyed = await cell.api.login(ticket, { ...thief, ...(await signed(stranger, 'POST', loginUrl())) });
    expect(keyed.status).toBe(401);
    expect(keyed.body.code).toBe('QR_DPOP_KEY_MISMATCH');
    // The ticket was not spent by the refusals: the key holder still redeems it.
    const rightful = await cell.api.login(ticket, await signed(owner, 'POST', loginUrl()));
    expect(rightful.status).toBe(200);
  });

  it('refuses a replayed proof with QR_DPOP_REPLAYED', async () => {
    const { id } = await authorizedCode();
    const headers = await signed(owner, 'GET', codeUrl(id));
    expect((await cell.api.status(id, headers)).body.ticket).toEqual(expect.any(String));
    const again = await cell.api.status(id, headers);
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('QR_DPOP_REPLAYED');
  });

  it('refuses a proof for another method, another URL, or by the wrong form, each with its code', async () => {
    const { id, ticket } = await authorizedCode();
    const method = await cell.api.login(ticket, await signed(owner, 'GET', loginUrl()));
    expect([method.status, method.body.code]).toEqual([401, 'QR_DPOP_METHOD_MISMATCH']);
    const other = await cell.api.login(ticket, await signed(owner, 'POST', codeUrl(id)));
    expect([other.status, other.body.code]).toEqual([401, 'QR_DPOP_URL_MISMATCH']);
    const typ = await owner.proof('POST', loginUrl(), { at: clock.now(), header: { typ: 'JWT' } });
    const badTyp = await cell.api.login(ticket, { dpop: typ });
    expect([badTyp.status, badTyp.body.code]).toEqual([401, 'QR_DPOP_INVALID']);
    const privateKey = await owner.proof('POST', loginUrl(), { at: clock.now(), header: { jwk: owner.privateJwk } });
    expect((await cell.api.login(ticket, { dpop: privateKey })).body.code).toBe('QR_DPOP_INVALID');
    // A proof signed by one key while naming another in its header fails the signature.
    const forged = await stranger.proof('POST', loginUrl(), { at: clock.now(), header: { jwk: owner.publicJwk } });
    expect((await cell.api.login(ticket, { dpop: forged })).body.code).toBe('QR_DPOP_INVALID');
    // None of these spent the ticket.
    expect((await cell.api.login(ticket, await signed(owner, 'POST', loginUrl()))).status).toBe(200);
  });

  it('refuses a proof older or newer than dpopProofLifetime (60 s) on the kernel clock with QR_DPOP_EXPIRED', async () => {
    const created = await cell.api.create({}, await signed(owner, 'POST', codesUrl()));
    const id = created.body.qrcodeId;
    const early = await owner.proof('GET', codeUrl(id), { at: clock.now() + 62_000 });
    const ahead = await cell.api.status(id, { dpop: early });
    expect([ahead.status, ahead.body.code]).toEqual([401, 'QR_DPOP_EXPIRED']);
    const old = await owner.proof('GET', codeUrl(id), { at: clock.now() });
    clock.advance(62_000);
    const late = await cell.api.status(id, { dpop: old });
    expect([late.status, late.body.code]).toEqual([401, 'QR_DPOP_EXPIRED']);
    // A proof made now on the same clock passes.
    const fresh = await cell.api.status(id, await signed(owner, 'GET', codeUrl(id)));
    expect([fresh.status, fresh.body.status]).toEqual([200, 'PENDING']);
  });

  it('takes the event stream proof only for the stream URL, once', async () => {
    const { id } = await authorizedCode();
    const eventsUrl = cell.api.eventsUrl(id);
    const forStatus = await owner.proof('GET', codeUrl(id), { at: clock.now() });
    const wrong = await request(`${eventsUrl}?dpop=${encodeURIComponent(forStatus)}`);
    expect([wrong.status, wrong.body.code]).toEqual([401, 'QR_DPOP_URL_MISMATCH']);
    const proof = await owner.proof('GET', eventsUrl, { at: clock.now() });
    const first = await openSse(`${eventsUrl}?dpop=${encodeURIComponent(proof)}`);
    first.close();
    expect(first.status).toBe(200);
    const replay = await request(`${eventsUrl}?dpop=${encodeURIComponent(proof)}`);
    expect([replay.status, replay.body.code]).toEqual([401, 'QR_DPOP_REPLAYED']);
  });

  it('keeps the key through a rotation: the successor is key-bound too', async () => {
    const created = await cell.api.create({}, await signed(owner, 'POST', codesUrl()));
    const first = created.body.qrcodeId;
    const eventsUrl = cell.api.eventsUrl(first);
    const stream = await openSse(
      `${eventsUrl}?dpop=${encodeURIComponent(await owner.proof('GET', eventsUrl, { at: clock.now() }))}`,
    );
    let next: string;
    try {
      await stream.waitForEvents(1);
      clock.advance(30_000);
      await stream.waitForEvents(2);
      const rotated = JSON.parse(stream.events[1].data);
      expect(rotated.rotatedFrom).toBe(first);
      next = rotated.qrcodeId;
    } finally {
      stream.close();
    }
    await cell.api.act(next, 'scan', asUser('alice'));
    await cell.api.act(next, 'confirm', asUser('alice'));
    const cookie = (created.headers.get('set-cookie') ?? '').split(';')[0];
    const bySecret = await cell.api.status(next, { cookie, ...creatorHeader(created) });
    expect(bySecret.body).toEqual({ qrcodeId: next, status: 'AUTHORIZED' });
    const byKey = await cell.api.status(next, await signed(owner, 'GET', codeUrl(next)));
    expect(byKey.body.ticket).toEqual(expect.any(String));
  });

  it('keeps codes created without a proof on the secret', async () => {
    const created = await cell.api.create({});
    const id = created.body.qrcodeId;
    await cell.api.act(id, 'scan', asUser('alice'));
    await cell.api.act(id, 'confirm', asUser('alice'));
    const seen = await cell.api.status(id, creatorHeader(created));
    const login = await cell.api.login(seen.body.ticket, creatorHeader(created));
    expect(login.body).toEqual({ sessionFor: 'u-alice', cnf: null });
  });
});
