/**
 * Injection token of the options given to `QrLoginGenAuthModule.forRoot()` / returned by the `forRootAsync()` factory.
 * @internal
 */
export const QR_LOGIN_GENAUTH_MODULE_OPTIONS = 'QR_LOGIN:GENAUTH_MODULE_OPTIONS';

/** Injection token of the validated, defaulted GenAuth configuration (`ResolvedGenAuthConfig`). @internal */
export const QR_LOGIN_GENAUTH_CONFIG = 'QR_LOGIN:GENAUTH_CONFIG';

/** Injection token of the module extras (`v3`, `v2`) as given to `forRoot` / `forRootAsync`. @internal */
export const QR_LOGIN_GENAUTH_EXTRAS = 'QR_LOGIN:GENAUTH_EXTRAS';
