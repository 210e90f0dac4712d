import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp } from '../app/test-app';
import { asUser, creatorHeader, nativeClient, request } from '../support/http';
import { MemoryQrLoginPasskeyStore } from '../../lib/stores/memory-passkey.store';
import { useChromium } from './support/browser';
import { useBuiltClient } from './support/build-client';
import { freePort, onPhone, openPhone, SIGN, type PhonePage } from './support/phone-passkey';

/*
 * Passkey approval driven by real WebAuthn: Chromium's virtual authenticator
 * (CDP, CTAP2, internal transport, user verification) behind the phone's own
 * client (`nestjs-qr-login/app`), against the real app on both adapters.
 * Alice registers a passkey after logging in, then every code she scans must
 * be approved with an assertion over that code's derived challenge.
 */

const chromium = useChromium();
const client = useBuiltClient();

describe.each(ADAPTERS)('passkey approval on %s', (adapter) => {
  let app: INestApplication;
  let url: string;
  let phone: PhonePage;
  const credentials = new MemoryQrLoginPasskeyStore();
  const api = () => nativeClient(url);

  beforeAll(async () => {
    const port = await freePort();
    const origin = `http://localhost:${port}`;
    ({ app } = await createTestApp({
      adapter,
      port,
      options: {
        numberMatching: true,
        approval: 'passkey',
        passkeys: { rpId: 'localhost', origins: origin, store: credentials },
      },
    }));
    url = origin;
    phone = await openPhone(chromium.browser, origin, client.dir, 'token-alice');
  }, 60_000);
  afterAll(async () => {
    await phone?.context.close();
    await app?.close();
  });

  /** A new code, scanned on the phone: the creator's view (with the match number) and the phone's scan answer. */
  async function scanned(): Promise<{ created: any; scan: any }> {
    const created = await api().create();
    expect(created.status).toBe(201);
    const scan = await onPhone(phone.page, 'return qr.scan(arg);', created.body.qrcodeId);
    expect(scan).toMatchObject({ ok: true });
    return { created, scan: (scan as { value: unknown }).value };
  }

  /** The status the creating page reads. */
  const statusOf = async (created: any) => (await api().status(created.body.qrcodeId, creatorHeader(created))).body;

  it('registers a passkey after login, then approves a code with it; the page logs in', async () => {
    const registered = await onPhone(phone.page, 'return qr.registerPasskey();');
    expect(registered).toMatchObject({ ok: true, value: { id: expect.any(String) } });
    const [stored] = await credentials.listByUser('u-alice');
    expect(stored.id).toBe((registered as { value: { id: string } }).value.id);

    const { created, scan } = await scanned();
    expect(scan.approval).toEqual({ method: 'passkey', version: expect.any(Number) });
    const approved = await onPhone(phone.page, 'return qr.approveWithPasskey(arg.scan, { matchCode: arg.match });', {
      scan,
      match: created.body.matchCode,
    });
    expect(approved).toMatchObject({ ok: true, value: { status: 'AUTHORIZED' } });
    const status = await statusOf(created);
    expect(status.status).toBe('AUTHORIZED');
    const login = await api().login(status.ticket, creatorHeader(created));
    expect(login.status).toBe(200);
    expect(login.body.access_token).toBe('session-for-u-alice');
    // The virtual authenticator counts: the stored counter moved past registration's.
    expect((await credentials.get(stored.id))!.counter).toBeGreaterThan(stored.counter);
  });

  it('refuses a stolen phone token: no confirm without the passkey, no passkey of its own, no forged assertion', async () => {
    const { created } = await scanned();
    const id = created.body.qrcodeId;
    const bare = await request(`${api().root}/qrcodes/${id}/confirm`, {
      json: { matchCode: created.body.matchCode },
      headers: asUser('alice'),
    });
    expect(bare.status).toBe(403);
    expect(bare.body.code).toBe('QR_PASSKEY_REQUIRED');
    expect((await statusOf(created)).status).toBe('SCANNED');
    // The thief cannot enrol an authenticator of their own with the token alone.
    const enrol = await request(`${api().root}/passkeys/registration/options`, {
      method: 'POST',
      headers: asUser('alice'),
    });
    expect(enrol.status).toBe(403);
    expect(enrol.body.code).toBe('QR_PASSKEY_REGISTRATION_CLOSED');
    // Nor pass off something shaped like an assertion: refused, and the code is cancelled.
    const [stored] = await credentials.listByUser('u-alice');
    const forged = await request(`${api().root}/qrcodes/${id}/confirm`, {
      json: {
        matchCode: created.body.matchCode,
        passkey: { id: stored.id, rawId: stored.id, type: 'public-key', response: { signature: 'AAAA' } },
      },
      headers: asUser('alice'),
    });
    expect(forged.status).toBe(403);
    expect(forged.body.code).toBe('QR_PASSKEY_INVALID');
    expect(await statusOf(created)).toMatchObject({ status: 'CANCELLED', cancelReason: 'PASSKEY_FAILED' });
  });

  it('refuses an assertion made for another code, and cancels the code it was sent to', async () => {
    const first = await scanned();
    const second = await scanned();
    const challenge = await onPhone(phone.page, 'return app.passkeyChallengeFor(arg.scan, arg.match);', {
      scan: first.scan,
      match: first.created.body.matchCode,
    });
    const assertion = await onPhone(phone.page, SIGN, {
      qrcodeId: first.created.body.qrcodeId,
      matchCode: first.created.body.matchCode,
      challenge: (challenge as { value: string }).value,
    });
    expect(assertion).toMatchObject({ ok: true });
    const sent = await onPhone(
      phone.page,
      'return qr.confirm(arg.id, { matchCode: arg.match, passkey: arg.passkey });',
      {
        id: second.created.body.qrcodeId,
        match: second.created.body.matchCode,
        passkey: (assertion as { value: unknown }).value,
      },
    );
    expect(sent).toEqual({ ok: false, code: 'QR_PASSKEY_INVALID', status: 403 });
    expect(await statusOf(second.created)).toMatchObject({ status: 'CANCELLED', cancelReason: 'PASSKEY_FAILED' });
    expect((await statusOf(first.created)).status).toBe('SCANNED');
  });

  it('refuses an assertion over another description of the request than the one shown', async () => {
    const { created, scan } = await scanned();
    const altered = { ...scan, requester: { ...scan.requester, appName: 'Another Bank' } };
    // The client checks first: it signs nothing when the server derives another challenge.
    const checked = await onPhone(phone.page, 'return qr.approveWithPasskey(arg.scan, { matchCode: arg.match });', {
      scan: altered,
      match: created.body.matchCode,
    });
    expect(checked).toMatchObject({ ok: false, code: 'QR_PASSKEY_DESCRIPTION_MISMATCH' });
    expect((await statusOf(created)).status).toBe('SCANNED');
    // A phone that signs the altered description anyway is refused by the server, and the code cancelled.
    const challenge = await onPhone(phone.page, 'return app.passkeyChallengeFor(arg.scan, arg.match);', {
      scan: altered,
      match: created.body.matchCode,
    });
    const assertion = await onPhone(phone.page, SIGN, {
      qrcodeId: created.body.qrcodeId,
      matchCode: created.body.matchCode,
      challenge: (challenge as { value: string }).value,
    });
    const sent = await onPhone(
      phone.page,
      'return qr.confirm(arg.id, { matchCode: arg.match, passkey: arg.passkey });',
      {
        id: created.body.qrcodeId,
        match: created.body.matchCode,
        passkey: (assertion as { value: unknown }).value,
      },
    );
    expect(sent).toEqual({ ok: false, code: 'QR_PASSKEY_INVALID', status: 403 });
    expect(await statusOf(created)).toMatchObject({ status: 'CANCELLED', cancelReason: 'PASSKEY_FAILED' });
  });

  /** Signs `created`'s own challenge, as the phone would, without confirming. */
  async function signFor(created: any, scan: any): Promise<unknown> {
    const challenge = await onPhone(phone.page, 'return app.passkeyChallengeFor(arg.scan, arg.match);', {
      scan,
      match: created.body.matchCode,
    });
    const assertion = await onPhone(phone.page, SIGN, {
      qrcodeId: created.body.qrcodeId,
      matchCode: created.body.matchCode,
      challenge: (challenge as { value: string }).value,
    });
    expect(assertion).toMatchObject({ ok: true });
    return (assertion as { value: unknown }).value;
  }

  const confirmWith = (created: any, passkey: unknown) =>
    request(`${api().root}/qrcodes/${created.body.qrcodeId}/confirm`, {
      json: { matchCode: created.body.matchCode, passkey },
      headers: asUser('alice'),
    });

  it('refuses a replayed assertion: each counts once', async () => {
    const { created, scan } = await scanned();
    const assertion = await signFor(created, scan);
    expect((await confirmWith(created, assertion)).status).toBe(200);
    const replayed = await confirmWith(created, assertion);
    expect(replayed.status).toBe(403);
    expect(replayed.body.code).toBe('QR_PASSKEY_REPLAYED');
  });

  it('refuses an assertion whose counter goes back (an older one, signed before the last accepted), and cancels the code', async () => {
    const older = await scanned();
    const olderAssertion = await signFor(older.created, older.scan);
    const newer = await scanned();
    expect((await confirmWith(newer.created, await signFor(newer.created, newer.scan))).status).toBe(200);
    const back = await confirmWith(older.created, olderAssertion);
    expect(back.status).toBe(403);
    expect(back.body.code).toBe('QR_PASSKEY_COUNTER');
    expect(await statusOf(older.created)).toMatchObject({ status: 'CANCELLED', cancelReason: 'PASSKEY_FAILED' });
  });
});
