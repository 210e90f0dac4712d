import { describe, expect, it } from 'vitest';
import { QrCodeRepository } from '../../lib/kernel/qr-code.repository';
import { QrLoginAudit } from '../../lib/kernel/qr-login.audit';
import { resolveQrLoginConfig } from '../../lib/kernel/qr-login.config';
import { hashSecret, newQrCodeId } from '../../lib/kernel/qr-login.ids';
import { QrLoginRotator } from '../../lib/kernel/qr-login.rotator';
import { QrLoginUserCodes } from '../../lib/kernel/user-code.aliases';
import { userCodeAlias } from '../../lib/kernel/user-code.format';
import type { QrCodeRecord } from '../../lib/kernel/interfaces/qr-code.interface';
import type { QrLoginEvent } from '../../lib/kernel/interfaces/qr-login-events.interface';
import type { QrLoginKernelOptions } from '../../lib/kernel/interfaces/qr-login-options.interface';
import { MemoryQrLoginStore } from '../../lib/stores/memory-qr-login.store';
import { newRecord } from '../../lib/testing';
import { ManualClock } from '../support/manual-clock';
import { closedAfterEach } from '../support/closed-after-each';

/*
 * Rotation and images of native codes, on the memory store and a manual
 * clock: what a successor inherits, what ends the code it replaces, what is
 * never rotated, a scan that lands during a rotation, and the image cache.
 */

/** A memory store that can run `beforeNextCreate` just after it stores a record (a scan landing mid-rotation). */
class InterleavingStore extends MemoryQrLoginStore {
  beforeNextCreate?: () => Promise<void>;

  override async create(record: QrCodeRecord): Promise<void> {
    await super.create(record);
    const step = this.beforeNextCreate;
    this.beforeNextCreate = undefined;
    await step?.();
  }
}

describe('QrLoginRotator', () => {
  const keep = closedAfterEach<MemoryQrLoginStore>();

  function setUp(options: Partial<QrLoginKernelOptions> = {}) {
    const store = keep(new InterleavingStore());
    const clock = new ManualClock();
    const config = resolveQrLoginConfig({ appAuth: { resolveUser: () => null }, clock, ...options });
    const repository = new QrCodeRepository(store, clock);
    const audit = new QrLoginAudit(clock, (id) => repository.get(id));
    const events: QrLoginEvent[] = [];
    audit.events$.subscribe((event) => events.push(event));
    const userCodes = new QrLoginUserCodes(repository);
    const rotator = new QrLoginRotator(repository, audit, config, userCodes);
    const pending = (overrides: Partial<QrCodeRecord> = {}): QrCodeRecord => {
      const expiresAt = clock.now() + 60_000;
      return newRecord({
        id: newQrCodeId(expiresAt),
        createdAt: clock.now(),
        expiresAt,
        retainUntil: expiresAt + 60_000,
        creatorSecretHash: hashSecret('creator-secret'),
        binding: { reveal: 'creator', redeem: 'client', client: 'web-app', via: 'genauth' },
        ...overrides,
      });
    };
    const add = async (overrides: Partial<QrCodeRecord> = {}): Promise<QrCodeRecord> => {
      const record = pending(overrides);
      await store.create(record);
      return record;
    };
    const read = async (id: string): Promise<QrCodeRecord> => (await store.get(id))!;
    return { store, clock, config, rotator, userCodes, events, pending, add, read };
  }

  describe('rotate', () => {
    it('replaces a pending code by one with its creator, binding, key, expiry and data; the old one ends at once', async () => {
      const { rotator, clock, add, read, events } = setUp();
      const old = await add({ creatorKey: { jkt: 'key-thumbprint' }, context: { locale: 'fr' } });
      clock.advance(10_000);
      await rotator.rotate(old.id);

      const ended = await read(old.id);
      expect(ended.replacedBy).toMatch(/^[\w-]{27}$/);
      expect(ended.status).toBe('PENDING');
      expect(ended.expiresAt).toBe(clock.now());
      const next = await read(ended.replacedBy!);
      expect(next).toMatchObject({
        status: 'PENDING',
        type: old.type,
        createdAt: clock.now(),
        expiresAt: old.expiresAt,
        creatorSecretHash: old.creatorSecretHash,
        binding: old.binding,
        creatorKey: { jkt: 'key-thumbprint' },
        requester: old.requester,
        customData: old.customData,
        context: { locale: 'fr' },
      });
      expect(next.userCode).toBeUndefined();
      expect(events.map((event) => [event.type, event.qrcodeId, event.replacedBy])).toEqual([
        ['rotated', old.id, next.id],
        ['created', next.id, undefined],
      ]);
    });

    it('gives the successor a user code of its own when the code had one', async () => {
      const { rotator, userCodes, store, pending, read } = setUp();
      const old = pending();
      expect(await userCodes.create(old, old.expiresAt)).toBeTruthy();
      await rotator.rotate(old.id);
      const next = await read((await read(old.id)).replacedBy!);
      expect(next.userCode).toMatch(/\w/);
      expect(next.userCode).not.toBe(old.userCode);
      expect(await store.resolveAlias(userCodeAlias(next.userCode!))).toBe(next.id);
    });

    it('rotates no code that is unknown, scanned, expired or replaced already', async () => {
      const { rotator, clock, add, store, events } = setUp();
      const scanned = await add({ status: 'SCANNED' });
      const replaced = await add({ replacedBy: newQrCodeId(clock.now() + 60_000) });
      const expiring = await add();
      const held = store.size;
      await rotator.rotate(newQrCodeId(clock.now() + 60_000));
      await rotator.rotate(scanned.id);
      await rotator.rotate(replaced.id);
      clock.advance(expiring.expiresAt - clock.now());
      await rotator.rotate(expiring.id);
      expect(store.size).toBe(held);
      expect(events).toEqual([]);
    });

    it('leaves the successor unseen when the code was scanned while it was being stored', async () => {
      const { rotator, store, add, read, events } = setUp();
      const old = await add();
      store.beforeNextCreate = async () => {
        const latest = await read(old.id);
        await store.compareAndSet(old.id, latest.version, {
          ...latest,
          version: latest.version + 1,
          status: 'SCANNED',
        });
      };
      await rotator.rotate(old.id);
      const kept = await read(old.id);
      expect(kept.status).toBe('SCANNED');
      expect(kept.replacedBy).toBeUndefined();
      expect(kept.expiresAt).toBe(old.expiresAt);
      expect(events).toEqual([]);
    });
  });

  describe('render and image', () => {
    it('puts the image in the QR data, or with imageUrl: route a link to the image route', async () => {
      const inline = setUp();
      const id = newQrCodeId(inline.clock.now() + 60_000);
      const rendered = await inline.rotator.render(id);
      expect(rendered.payload).toBe(inline.config.payload(id));
      expect(rendered.url).toMatch(/^data:image\/svg\+xml;base64,/);
      const routed = setUp({ imageUrl: 'route' });
      expect((await routed.rotator.render(id)).url).toBe(`/qr-login/qrcodes/${id}/image`);
    });

    it('renders an image once per id, keeps the last 512, and forgets a render that failed', async () => {
      const { rotator, config, clock } = setUp();
      const ids = Array.from({ length: 513 }, () => newQrCodeId(clock.now() + 60_000));
      const first = await Promise.all(ids.map((id) => rotator.image(id)));
      expect(first[0].contentType).toBe('image/svg+xml');
      // The oldest went out when the 513th came in; the second oldest is still the same render.
      expect(await rotator.image(ids[1])).toBe(first[1]);
      expect(await rotator.image(ids[512])).toBe(first[512]);
      const again = await rotator.image(ids[0]);
      expect(again).not.toBe(first[0]);
      expect(again.body.equals(first[0].body)).toBe(true);

      const payload = config.payload;
      const failing = newQrCodeId(clock.now() + 60_000);
      config.payload = () => 'x'.repeat(10_000);
      await expect(rotator.image(failing)).rejects.toThrow();
      config.payload = payload;
      expect((await rotator.image(failing)).contentType).toBe('image/svg+xml');
    });
  });
});
