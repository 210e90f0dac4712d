import { describe, expect, it } from 'vitest';
import { QrLoginConfigError } from './qr-login.errors';
import { resolveQrLoginConfig } from './qr-login.config';
import type { QrLoginKernelOptions } from './interfaces/qr-login-options.interface';

const base = { appAuth: { strategies: ['jwt'] } };
/** As the module calls it: `risk` is the risk layer's option (lib/risk/qr-login-risk.config.spec.ts checks it). */
const LAYERED = ['risk'];
const resolve = (extra: Record<string, unknown>) => () =>
  resolveQrLoginConfig({ ...base, ...extra } as unknown as QrLoginKernelOptions, {}, LAYERED);

describe('start-up option checks', () => {
  it.each([
    [{ qrCodeTTL: 90 }, /"qrCodeTTL" is not an option; did you mean "qrCodeTtl"\?/],
    [{ tiketTtl: 30 }, /"tiketTtl" is not an option; did you mean "ticketTtl"\?/],
    [
      { somethingElse: true },
      /"somethingElse" is not an option\. The options are appAuth, qrCodeTtl,.*clock,.*, risk\./,
    ],
    [{ cookie: { samesite: 'lax' } }, /"cookie\.samesite" is not an option; did you mean "sameSite"\?/],
    [{ rateLimit: { craete: false } }, /"rateLimit\.craete" is not an option; did you mean "create"\?/],
    [
      { rateLimit: { create: { limit: 1, windows: 60 } } },
      /"rateLimit\.create\.windows" is not an option; did you mean "window"\?/,
    ],
    [{ numberMatching: { digit: 2 } }, /"numberMatching\.digit" is not an option; did you mean "digits"\?/],
    [
      { appAuth: { strategies: ['jwt'], strategy: 'jwt' } },
      /"appAuth\.strategy" is not an option; did you mean "strategies"\?/,
    ],
  ])('refuses the unknown key in %j', (options, message) => {
    expect(resolve(options)).toThrow(QrLoginConfigError);
    expect(resolve(options)).toThrow(message);
  });

  it('accepts every documented key, a layered one (risk) and clock included', () => {
    const clock = { now: () => 0, setTimeout: () => 0, clearTimeout: () => undefined };
    const options = {
      ...base,
      qrCodeTtl: 90,
      numberMatching: { digits: 2, choices: 3 },
      rateLimit: { create: { limit: 5, window: 60 }, status: false },
      cookie: { name: 'c', secure: true, sameSite: 'strict', path: '/' },
      risk: { farAwayKm: 100 },
      clock: clock as never,
    } as const;
    const config = resolveQrLoginConfig(options, {}, LAYERED);
    expect(config.qrCodeTtlMs).toBe(90_000);
    expect(config.clock).toBe(clock);
    // The kernel leaves a layered option unread: its config holds no trace of it.
    expect(config).not.toHaveProperty('risk');
    // Without the layer naming it, the kernel refuses it like any unknown key.
    expect(() => resolveQrLoginConfig(options)).toThrow(/"risk" is not an option/);
  });

  it.each([
    ['qrCodeTtl', { qrCodeTtl: '90' }],
    ['ticketTtl', { ticketTtl: '30' }],
    ['maxStreamsPerIp', { maxStreamsPerIp: '20' }],
    ['rateLimit.create.window', { rateLimit: { create: { limit: 5, window: '60' } } }],
  ])('refuses a numeric string for %s, showing its type and the fix', (_name, options) => {
    expect(resolve(options)).toThrow(
      /got the string "\d+"\. Environment values are strings: convert it, e\.g\. Number\(/,
    );
  });

  it('names module settings returned from a factory', () => {
    expect(resolve({ routeDecorators: [] })).toThrow(/"routeDecorators" is a module setting/);
  });
});
