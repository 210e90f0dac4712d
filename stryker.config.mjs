// @ts-check
/**
 * Mutation testing with StrykerJS: `npm run test:mutation` (long: not part of
 * `npm test`). See docs/mutation-testing.md for scopes, scores and the
 * surviving mutants judged equivalent.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: {
    configFile: 'vitest.mutation.config.mts',
    // Only the test files that import the mutated module run for it.
    related: true,
  },
  // Each mutant runs only the tests that reached it in the dry run.
  coverageAnalysis: 'perTest',
  // Static mutants (module-level constants, evaluated once on import) need a fresh module graph, which the
  // vitest runner does not give them: they only survive, falsely, at four fifths of a whole run's time.
  // They are reported as ignored; the ones in the security checks are applied by hand
  // (docs/mutation-testing.md).
  ignoreStatic: true,
  // Mutants that do not compile are discarded before any test runs.
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.build.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: [
    'lib/kernel/**/*.ts',
    'lib/auth/**/*.ts',
    'lib/http/**/*.ts',
    'lib/risk/**/*.ts',
    'lib/stores/**/*.ts',
    'lib/plugins/**/*.ts',
    '!lib/**/*.spec.ts',
    '!lib/**/index.ts',
  ],
  ignorePatterns: ['dist', 'coverage', 'artifacts', 'bench/results', 'reports', '.stryker-tmp'],
  // The e2e suites start servers: give a mutant's run room before calling it a timeout.
  timeoutMS: 30_000,
  timeoutFactor: 2,
  // The dry run of the fast suite takes about 90 s on an idle two-core machine; Stryker's default limit of
  // 5 minutes is too tight on a loaded one, and a timed-out dry run ends the whole run.
  dryRunTimeoutMinutes: 20,
  // The machine is shared: one sandbox by default; raise with --concurrency on a machine of your own.
  concurrency: 1,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
