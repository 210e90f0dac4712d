import { describe, expect, it } from 'vitest';
import { MemoryQrLoginStore } from '../stores/memory-qr-login.store';
import { QrLoginPasskeyApproval } from './qr-login-passkey.approval';
import { resolvePasskeyConfig } from './qr-login-passkey.config';
import type { QrLoginApprovalFacts } from '../kernel/interfaces/qr-login-approval.port';

const PASSKEYS = { rpId: 'example.com', origins: 'https://example.com' };
const facts = (over: Partial<QrLoginApprovalFacts> = {}): QrLoginApprovalFacts => ({
  qrcodeId: 'code-1',
  flow: 'qr',
  via: 'native',
  risk: { verdict: 'allow', flags: [], facts: { sameIp: true, sameNetwork: true } },
  appUser: { id: 'u-alice' },
  userId: 'u-alice',
  ...over,
});
const stepUp = {
  verdict: 'warn' as const,
  flags: [],
  facts: { sameIp: false, sameNetwork: false },
  stepUp: 'passkey' as const,
};

describe('the approval method of a scan', () => {
  it('is the option, or the step-up a policy asked for, which the option cannot lower', async () => {
    const byToken = new QrLoginPasskeyApproval(resolvePasskeyConfig('token', PASSKEYS), new MemoryQrLoginStore());
    expect(await byToken.methodFor(facts())).toBe('token');
    expect(await byToken.methodFor(facts({ risk: stepUp }))).toBe('passkey');
    const asked: unknown[] = [];
    const byFunction = new QrLoginPasskeyApproval(
      resolvePasskeyConfig((code: unknown) => (asked.push(code), 'token'), PASSKEYS),
      new MemoryQrLoginStore(),
    );
    expect(await byFunction.methodFor(facts({ risk: stepUp }))).toBe('passkey');
    expect(await byFunction.methodFor(facts({ flow: 'device', via: 'device' }))).toBe('token');
    expect(asked).toEqual([expect.objectContaining({ qrcodeId: 'code-1', flow: 'device', via: 'device' })]);
  });

  it('leaves WeChat codes to WeChat: no passkey can sign there, whatever the option or a policy says', async () => {
    const byPasskey = new QrLoginPasskeyApproval(resolvePasskeyConfig('passkey', PASSKEYS), new MemoryQrLoginStore());
    expect(await byPasskey.methodFor(facts())).toBe('passkey');
    expect(await byPasskey.methodFor(facts({ via: 'wechat', risk: stepUp }))).toBe('token');
  });

  it('refuses options that cannot work, at start', () => {
    expect(() => resolvePasskeyConfig('passkey', undefined)).toThrow(/set "passkeys"/);
    expect(() => resolvePasskeyConfig('sms', PASSKEYS)).toThrow(/"approval" must be/);
    expect(() => resolvePasskeyConfig('token', { origins: 'https://example.com' })).toThrow(/rpId/);
    expect(() => resolvePasskeyConfig('token', { rpId: 'example.com', origins: [] })).toThrow(/origins/);
    expect(() => resolvePasskeyConfig('token', { ...PASSKEYS, store: {} })).toThrow(/lacks add, listByUser/);
  });
});
