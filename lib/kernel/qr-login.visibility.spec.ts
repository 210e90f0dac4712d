import { describe, expect, it } from 'vitest';
import { isTerminalStatus, requestOf, viewOf } from './qr-login.visibility';
import type { QrCodeRecord, QrCodeStatus } from './interfaces/qr-code.interface';

/*
 * What a user code tells a phone before it acts (`requestOf`): only an open
 * code answers, with the flow, the client and site it names and the seconds
 * left; an ended code answers as an action on it would. And which statuses end
 * a code.
 */

const NOW = 1_900_000_000_000;

function record(overrides: Partial<QrCodeRecord> = {}): QrCodeRecord {
  return {
    id: 'code-1',
    type: 'MOBILE_APP',
    status: 'PENDING',
    version: 1,
    createdAt: NOW - 1_000,
    expiresAt: NOW + 60_000,
    retainUntil: NOW + 120_000,
    creatorSecretHash: 'c2VjcmV0LWhhc2g',
    requester: { ip: '203.0.113.7', createdAt: new Date(NOW - 1_000).toISOString() },
    ...overrides,
  };
}

function refusal(run: () => unknown): { code?: string; message?: string } {
  try {
    run();
  } catch (error) {
    return { code: (error as { code: string }).code, message: (error as Error).message };
  }
  return {};
}

describe('requestOf', () => {
  it('answers a pending QR code with its flow, status and whole seconds left, and nothing it does not name', () => {
    expect(requestOf(record(), NOW)).toStrictEqual({ flow: 'qr', status: 'PENDING', expiresIn: 60 });
    expect(requestOf(record({ expiresAt: NOW + 1_999 }), NOW).expiresIn).toBe(1);
    expect(requestOf(record({ expiresAt: NOW + 999 }), NOW).expiresIn).toBe(0);
  });

  it("names a device flow's client (id and name only) and the site", () => {
    const device = record({
      status: 'SCANNED',
      flow: 'device',
      requester: {
        ip: '203.0.113.7',
        createdAt: new Date(NOW).toISOString(),
        appName: 'Example',
        client: { id: 'tv-app', name: 'Living-room TV', extra: 'x' } as { id: string; name: string },
      },
    });
    expect(requestOf(device, NOW)).toStrictEqual({
      flow: 'device',
      client: { id: 'tv-app', name: 'Living-room TV' },
      appName: 'Example',
      status: 'SCANNED',
      expiresIn: 60,
    });
  });

  it('refuses a code whose lifetime passed as expired (410), exactly at expiresAt', () => {
    expect(requestOf(record(), NOW + 59_999).expiresIn).toBe(0);
    for (const status of ['PENDING', 'SCANNED'] as const) {
      expect(refusal(() => requestOf(record({ status }), NOW + 60_000))).toMatchObject({ code: 'QR_EXPIRED' });
    }
  });

  it('refuses a code that ended otherwise as in the wrong state for a scan (409)', () => {
    for (const status of ['AUTHORIZED', 'CANCELLED'] as const) {
      expect(refusal(() => requestOf(record({ status }), NOW))).toStrictEqual({
        code: 'QR_WRONG_STATE',
        message: `Cannot SCAN a QR code whose status is ${status}. CONFIRM and CANCEL follow a SCAN, and nothing follows AUTHORIZED or CANCELLED.`,
      });
    }
  });
});

describe('isTerminalStatus', () => {
  it('ends a code once AUTHORIZED, CANCELLED, EXPIRED or ERROR, and only then', () => {
    const all: QrCodeStatus[] = ['PENDING', 'SCANNED', 'AUTHORIZED', 'CANCELLED', 'EXPIRED', 'ERROR'];
    expect(all.filter(isTerminalStatus)).toEqual(['AUTHORIZED', 'CANCELLED', 'EXPIRED', 'ERROR']);
  });
});

describe('viewOf', () => {
  it('gives the reason of a cancellation only on a cancelled code that has one', () => {
    const stranger = { creatorSecrets: ['not-the-creator'] };
    expect(viewOf(record({ status: 'CANCELLED', cancelReason: 'RISK_DENIED' }), stranger, NOW)).toStrictEqual({
      qrcodeId: 'code-1',
      status: 'CANCELLED',
      cancelReason: 'RISK_DENIED',
    });
    expect(viewOf(record({ status: 'CANCELLED' }), stranger, NOW)).toStrictEqual({
      qrcodeId: 'code-1',
      status: 'CANCELLED',
    });
    expect(viewOf(record(), stranger, NOW)).toStrictEqual({ qrcodeId: 'code-1', status: 'PENDING', expiresIn: 60 });
  });
});
