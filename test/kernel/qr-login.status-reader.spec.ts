import { describe, expect, it } from 'vitest';
import { QrCodeRepository } from '../../lib/kernel/qr-code.repository';
import { QrLoginAudit } from '../../lib/kernel/qr-login.audit';
import { resolveQrLoginConfig } from '../../lib/kernel/qr-login.config';
import { hashSecret, newQrCodeId } from '../../lib/kernel/qr-login.ids';
import { QrLoginRotator } from '../../lib/kernel/qr-login.rotator';
import { QrLoginStatusReader } from '../../lib/kernel/qr-login.status-reader';
import { QrLoginUserCodes } from '../../lib/kernel/user-code.aliases';
import type { QrCodeRecord } from '../../lib/kernel/interfaces/qr-code.interface';
import { MemoryQrLoginStore } from '../../lib/stores/memory-qr-login.store';
import { newRecord } from '../../lib/testing';
import { codeOf, recordingInstrumentation } from '../support/kernel-parts';
import { ManualClock } from '../support/manual-clock';
import { closedAfterEach } from '../support/closed-after-each';

/*
 * The reads of a code, on the memory store and a manual clock: the status a
 * page polls (as much as its proof lets it see), the image and how long it may
 * be cached, what a plugin may know of a code, what a user code asks of a
 * phone, and the paced poll that slows a hasty client down.
 */

const SECRET = 'creator-secret';
const CREATOR = { creatorSecrets: [SECRET] };
const STRANGER = { creatorSecrets: ['someone-else'] };
const PACE = { intervalMs: 5_000, slowDownMs: 5_000 };

describe('QrLoginStatusReader', () => {
  const keep = closedAfterEach<MemoryQrLoginStore>();

  function setUp() {
    const store = keep(new MemoryQrLoginStore());
    const clock = new ManualClock();
    const config = resolveQrLoginConfig({ appAuth: { resolveUser: () => null }, clock });
    const repository = new QrCodeRepository(store, clock);
    const audit = new QrLoginAudit(clock, (id) => repository.get(id));
    const rotator = new QrLoginRotator(repository, audit, config, new QrLoginUserCodes(repository));
    const { instrumentation, measured } = recordingInstrumentation();
    const reader = new QrLoginStatusReader(repository, clock, rotator, instrumentation);
    const add = async (overrides: Partial<QrCodeRecord> = {}): Promise<string> => {
      const expiresAt = clock.now() + 60_000;
      const id = newQrCodeId(expiresAt);
      await store.create(
        newRecord({
          id,
          createdAt: clock.now(),
          expiresAt,
          retainUntil: expiresAt + 60_000,
          creatorSecretHash: hashSecret(SECRET),
          binding: { reveal: 'creator', redeem: 'creator', via: 'native' },
          ...overrides,
        }),
      );
      return id;
    };
    /** A well-formed id whose code the store never held, expiring `ms` from now. */
    const unknown = (ms: number) => newQrCodeId(clock.now() + ms);
    const read = async (id: string): Promise<QrCodeRecord> => (await store.get(id))!;
    return { store, clock, reader, measured, add, unknown, read };
  }

  describe('status', () => {
    it('tells the creator who scanned, a stranger only the status; each read is measured as a poll', async () => {
      const { reader, add, store, read, measured } = setUp();
      const id = await add();
      const record = await read(id);
      await store.compareAndSet(id, record.version, {
        ...record,
        version: record.version + 1,
        status: 'SCANNED',
        scannedBy: { userId: 'u-1', briefUserInfo: { displayName: 'Alice' }, scannedAt: record.createdAt },
      });
      const creator = await reader.status(id, CREATOR);
      const stranger = await reader.status(id, STRANGER);
      expect(creator.status).toBe('SCANNED');
      expect(creator.briefUserInfo).toStrictEqual({ displayName: 'Alice' });
      expect(stranger.status).toBe('SCANNED');
      expect(stranger.briefUserInfo).toBeUndefined();
      expect(measured).toStrictEqual([
        ['poll', id],
        ['poll', id],
      ]);
    });

    it('reads a code the store forgot after its expiry as EXPIRED, and an unknown live id as not found', async () => {
      const { reader, unknown } = setUp();
      const past = unknown(-10_000);
      expect(await reader.status(past, CREATOR)).toStrictEqual({ qrcodeId: past, status: 'EXPIRED' });
      expect(await codeOf(reader.status(unknown(60_000), CREATOR))).toBe('QR_NOT_FOUND');
    });
  });

  describe('image', () => {
    it('renders a live native code, cacheable for its whole seconds left', async () => {
      const { reader, add, clock } = setUp();
      const id = await add();
      clock.advance(10_500);
      const image = await reader.image(id);
      expect(image.contentType).toBe('image/svg+xml');
      expect(image.body.toString('utf8')).toContain('<svg');
      expect(image.maxAgeSeconds).toBe(49);
    });

    it('refuses an expired code as QR_EXPIRED, a code of another type as not found', async () => {
      const { reader, add, clock, unknown } = setUp();
      const other = await add({ type: 'WECHAT' as QrCodeRecord['type'] });
      expect(await codeOf(reader.image(other))).toBe('QR_NOT_FOUND');
      expect(await codeOf(reader.image(unknown(-10_000)))).toBe('QR_EXPIRED');
      const id = await add();
      clock.advance(60_000);
      expect(await codeOf(reader.image(id))).toBe('QR_EXPIRED');
    });
  });

  describe('request and inspect', () => {
    it('request answers what the code asks of a phone, and 410 once the store forgot it', async () => {
      const { reader, add, unknown } = setUp();
      const id = await add();
      expect(await reader.request(id)).toStrictEqual({ flow: 'qr', status: 'PENDING', expiresIn: 60 });
      expect(await codeOf(reader.request(unknown(-10_000)))).toBe('QR_EXPIRED');
    });

    it('inspect tells a plugin the type, status, binding, requester and expiry, and the optional parts only when set', async () => {
      const { reader, add, read } = setUp();
      const plain = await add({ customData: undefined });
      const record = await read(plain);
      expect(await reader.inspect(plain)).toStrictEqual({
        qrcodeId: plain,
        type: 'MOBILE_APP',
        status: 'PENDING',
        binding: { reveal: 'creator', redeem: 'creator', via: 'native' },
        requester: record.requester,
        expiresAt: record.expiresAt,
      });
      const full = await add({
        status: 'SCANNED',
        scannedBy: { userId: 'u-1', briefUserInfo: { displayName: 'A' }, scannedAt: 1_234 },
        customData: { plan: 'pro' },
        context: { tenant: 't-1' },
      });
      expect(await reader.inspect(full)).toMatchObject({
        status: 'SCANNED',
        scannedAt: 1_234,
        customData: { plan: 'pro' },
        context: { tenant: 't-1' },
      });
    });

    it('inspect refuses a code past its lifetime and one the store forgot', async () => {
      const { reader, add, clock, unknown } = setUp();
      const id = await add();
      clock.advance(60_000);
      expect(await codeOf(reader.inspect(id))).toBe('QR_EXPIRED');
      expect(await codeOf(reader.inspect(unknown(-10_000)))).toBe('QR_EXPIRED');
    });
  });

  describe('poll', () => {
    it('a poll within the interval is too soon: the interval grows by slowDownMs and is stored', async () => {
      const { reader, add, clock, read, measured } = setUp();
      const id = await add();
      const first = await reader.poll(id, CREATOR, PACE);
      expect(first).toMatchObject({ slowDown: false, intervalMs: 5_000, view: { status: 'PENDING' } });
      clock.advance(4_999);
      const hasty = await reader.poll(id, CREATOR, PACE);
      expect(hasty).toMatchObject({ slowDown: true, intervalMs: 10_000 });
      expect((await read(id)).poll).toStrictEqual({ lastAt: clock.now(), intervalMs: 10_000 });
      clock.advance(10_000);
      expect(await reader.poll(id, CREATOR, PACE)).toMatchObject({ slowDown: false, intervalMs: 10_000 });
      expect(measured.every(([action, qrcodeId]) => action === 'poll' && qrcodeId === id)).toBe(true);
      expect(measured).toHaveLength(3);
    });

    it('answers a code the store forgot as EXPIRED with the pace asked, and refuses a stranger', async () => {
      const { reader, add, unknown } = setUp();
      const past = unknown(-10_000);
      expect(await reader.poll(past, CREATOR, PACE)).toStrictEqual({
        view: { qrcodeId: past, status: 'EXPIRED' },
        slowDown: false,
        intervalMs: 5_000,
      });
      const id = await add();
      expect(await codeOf(reader.poll(id, STRANGER, PACE))).toBe('QR_CREATOR_SECRET_REQUIRED');
      expect(await codeOf(reader.poll(unknown(60_000), CREATOR, PACE))).toBe('QR_NOT_FOUND');
    });
  });
});
