import type { QrLoginKernelOptions } from './kernel/interfaces/qr-login-options.interface';
import type { QrLoginRiskOptions } from './risk/qr-login-risk-options.interface';
import type { QrLoginApprovalOption, QrLoginPasskeyOptions } from './passkey/qr-login-passkey-options.interface';

/**
 * Options of `QrLoginModule.forRoot()` / the object `forRootAsync()`'s factory
 * returns: the kernel's options and the risk layer's, which the module
 * validates each in its own layer. `TUser` is the app's user type: what
 * `loadUser` returns, `issueTokenSet` receives and `req.user` is on a
 * `QrLoginGuard` route. Default `any`, so apps that do not name it keep compiling.
 */
export interface QrLoginModuleOptions<TUser = any> extends QrLoginKernelOptions<TUser> {
  /**
   * Where a login comes from, and a policy that can refuse it: a geo
   * database, the risk policy (`assessRisk`), the far-away distance and the
   * origins allowed to create codes. Defaults as in `QrLoginRiskOptions`
   * (no geo data, warn on different-country or far-away, never deny, any origin).
   */
  risk?: QrLoginRiskOptions;
  /**
   * How a scanned code is approved: `'token'` (default), `'passkey'` (a
   * WebAuthn assertion by the user's passkey over the code's challenge), or
   * `(code, user) => 'token' | 'passkey'`. Decided at scan and kept on the
   * code; a risk policy's `stepUp: 'passkey'` wins. Anything but `'token'` needs `passkeys`.
   */
  approval?: QrLoginApprovalOption;
  /** The relying party (`rpId`, `origins`) and credential store of the phones' passkeys; see `QrLoginPasskeyOptions`. */
  passkeys?: QrLoginPasskeyOptions;
}

/** Options the kernel leaves to a layer above it, by name, so its check of unknown keys lets them through. @internal */
export const QR_LOGIN_LAYERED_OPTIONS = Object.keys({ risk: 1, approval: 1, passkeys: 1 } satisfies Record<
  Exclude<keyof QrLoginModuleOptions, keyof QrLoginKernelOptions>,
  1
>);

/** A class that makes the options, for `forRootAsync({ useClass })`. */
export interface QrLoginOptionsFactory<TUser = any> {
  createQrLoginOptions(): QrLoginModuleOptions<TUser> | Promise<QrLoginModuleOptions<TUser>>;
}
