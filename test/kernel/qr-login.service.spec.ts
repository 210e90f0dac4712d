import { afterEach, describe, expect, it } from 'vitest';
import type { QrLoginEvent } from '../../lib/kernel/interfaces/qr-login-events.interface';
import { pluginKernel, type PluginKernel } from '../support/plugin-kernel';

/*
 * QrLoginService as Nest wires it, over the public entries: what it tells a
 * plugin about the kernel's settings, the code types a plugin may add, what
 * a plugin reports on the event stream, and what ends with the module.
 */
describe('QrLoginService', () => {
  let open: PluginKernel | undefined;
  afterEach(async () => {
    await open?.close();
    open = undefined;
  });

  it("tells a plugin the kernel's settings as configured", async () => {
    open = await pluginKernel({ routePrefix: 'auth/qr', qrCodeTtl: 90, userCodes: false } as never);
    expect(open.kernel.settings).toEqual({
      routePrefix: 'auth/qr',
      numberMatching: false,
      qrCodeTtlMs: 90_000,
      ticketTtlMs: expect.any(Number),
      issuesTokenSets: false,
      clock: open.clock,
      userCodes: false,
    });
    await open.close();
    open = await pluginKernel({ numberMatching: { digits: 3 }, issueTokenSet: () => ({ access_token: 't' }) } as never);
    expect(open.kernel.settings).toMatchObject({ numberMatching: true, issuesTokenSets: true, userCodes: true });
  });

  it('creates codes of a type a plugin registered, rendered by its handler', async () => {
    open = await pluginKernel();
    open.kernel.registerTypeHandler({
      type: 'WECHAT_MINIPROGRAM',
      render: async ({ qrcodeId }) => ({ url: `https://example.test/qr/${qrcodeId}.png`, payload: qrcodeId }),
    });
    const created = await open.kernel.create({ type: 'WECHAT_MINIPROGRAM' } as never);
    expect(created).toMatchObject({ url: `https://example.test/qr/${created.qrcodeId}.png` });
  });

  it("puts a plugin's report on the event stream, with an empty id when it names no code", async () => {
    open = await pluginKernel();
    const events: QrLoginEvent[] = [];
    open.kernel.events$.subscribe((event) => events.push(event));
    open.kernel.report({ type: 'refused', action: 'PUSH', code: 'WECHAT_SIGNATURE_INVALID', source: 'official' });
    expect(events).toEqual([
      {
        type: 'refused',
        action: 'PUSH',
        qrcodeId: '',
        code: 'WECHAT_SIGNATURE_INVALID',
        source: 'official',
        at: open.clock.now(),
      },
    ]);
  });

  it('ends its expiry checks and its event stream with the module', async () => {
    open = await pluginKernel();
    let completed = false;
    open.kernel.events$.subscribe({ complete: () => (completed = true) });
    await open.kernel.create();
    expect(open.kernel.pendingExpiryChecks).toBe(1);
    await open.moduleRef.close();
    expect(open.kernel.pendingExpiryChecks).toBe(0);
    expect(completed).toBe(true);
  });
});
