import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryQrLoginStore } from '../stores/memory-qr-login.store';
import type { QrLoginEvent, QrLoginStore } from '../plugin';
import { flowOf, hashOfCodeId, storeKindOf } from './telemetry.attributes';

const event = (extra: Partial<QrLoginEvent>): QrLoginEvent => ({ type: 'created', qrcodeId: 'x', at: 0, ...extra });

describe('telemetry attributes', () => {
  it('names the flow from the record: device, a plugin by its via, else qr; nothing for a refusal', () => {
    expect(flowOf(event({ flow: 'qr', via: 'native' }))).toBe('qr');
    expect(flowOf(event({ flow: 'device', via: 'device' }))).toBe('device');
    expect(flowOf(event({ flow: 'qr', via: 'genauth' }))).toBe('genauth');
    expect(flowOf(event({ flow: 'qr', via: 'wechat' }))).toBe('wechat');
    expect(flowOf(event({ flow: 'qr' }))).toBe('qr');
    expect(flowOf(event({ type: 'refused', code: 'QR_EXPIRED' }))).toBeUndefined();
  });

  it('names the store by its class, and custom for one of another name', () => {
    expect(storeKindOf(new MemoryQrLoginStore())).toBe('memory');
    class PostgresQrLoginStore {}
    expect(storeKindOf(new PostgresQrLoginStore() as unknown as QrLoginStore)).toBe('postgres');
    expect(storeKindOf({} as QrLoginStore)).toBe('custom');
  });

  it('hashes a code id to the first 16 hex digits of its SHA-256, never the id itself', () => {
    const id = 'AbCdEf0123456789_-xyz';
    expect(hashOfCodeId(id)).toBe(createHash('sha256').update(id).digest('hex').slice(0, 16));
    expect(hashOfCodeId(id)).toMatch(/^[0-9a-f]{16}$/);
    expect(hashOfCodeId(id)).not.toContain(id);
  });
});
