import Module from 'node:module';

type Load = (request: string, ...rest: unknown[]) => unknown;

/**
 * Runs `run` as if the package `name` were not installed: Node's `require`
 * throws for it the error it throws for a package that is absent
 * (`MODULE_NOT_FOUND`, naming it), and loads everything else as usual.
 * For the one call that loads an optional peer; the real package stays
 * installed for every other test.
 */
export function withoutPackage<T>(name: string, run: () => T): T {
  const loader = Module as unknown as { _load: Load };
  const load = loader._load;
  loader._load = function (this: unknown, request, ...rest) {
    if (request === name) {
      throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
    }
    return load.call(this, request, ...rest);
  };
  try {
    return run();
  } finally {
    loader._load = load;
  }
}
