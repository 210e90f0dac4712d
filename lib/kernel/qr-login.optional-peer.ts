import { QrLoginConfigError } from './qr-login.errors';

// Internal to the library; not part of the public API.

/**
 * True when `error` says that the package `name` is not installed (CommonJS
 * `require` or ESM `import()`), as opposed to installed but broken: only
 * absence is expected of an optional peer, a broken install should be seen.
 * @internal
 */
export function isMissingPackage(error: unknown, name: string): boolean {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return (
    (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
    String((error as Error).message).includes(`'${name}'`)
  );
}

/**
 * Runs `load`, a plain `require` of the optional peer `name` (not an
 * import, so apps that never use the feature need not install it; written
 * out at the call site, where linters and bundlers can see the name). When
 * the package is missing, throws `QrLoginConfigError` with `howToFix`, which
 * should name the `npm install` to run and any way around it; any other
 * failure is rethrown as it is.
 * @internal
 */
export function requireOptionalPeer<T>(load: () => T, name: string, howToFix: string): T {
  try {
    return load();
  } catch (error) {
    if (isMissingPackage(error, name)) throw new QrLoginConfigError(howToFix);
    throw error;
  }
}
