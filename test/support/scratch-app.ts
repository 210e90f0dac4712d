/**
 * The TypeScript options of a scratch app that installs the package, as strict
 * as a careful user's: Node's ESM resolution (`nodenext`, so only what the
 * package's `exports` name resolves), the DOM types beside Node's (the client
 * entries use them), and `skipLibCheck: false`, so every shipped `.d.ts` is
 * checked too. A suite adds what its app needs (decorators, noEmit or outDir).
 */
export const SCRATCH_APP_COMPILER_OPTIONS = {
  target: 'ES2022',
  module: 'nodenext',
  moduleResolution: 'nodenext',
  lib: ['ES2022', 'DOM', 'DOM.Iterable'],
  types: ['node'],
  strict: true,
  skipLibCheck: false,
} as const;
