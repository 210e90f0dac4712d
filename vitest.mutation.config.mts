import { configDefaults, defineConfig } from 'vitest/config';
import { shared } from './vitest.config.mts';

/**
 * The tests mutation testing runs (`npm run test:mutation`). By default the
 * fast suite, which a whole run over every folder can afford: the unit specs
 * beside the code and in test/kernel and test/risk, and the store contract,
 * which drives the memory, Redis and PostgreSQL stores through their real
 * servers. With `QR_MUTATION_SUITES=all` the end-to-end suites that exercise
 * the modules over real HTTP join them: for a run narrowed with `--mutate`,
 * since each mutant they reach starts their apps again. Left out either way:
 * suites about the build, the package, the docs, the sample, browsers and
 * benchmarks (packaging, not the modules' decisions), the Redis Cluster and
 * two-instance suites (minutes each, the same rules as the single-instance
 * ones), the long fuzz run and the image-decoding spec (thousands of decodes).
 * Stryker's `vitest.related` narrows the list further to the files that import
 * the mutated module. The projects of vitest.config.mts are left behind on
 * purpose: each brings its own `include`, which would run every suite.
 */
const FAST = ['lib/**/*.spec.ts', 'test/kernel/**/*.spec.ts', 'test/risk/*.spec.ts', 'test/contract/**/*.spec.ts'];
const END_TO_END = [
  'test/compat/**/*.e2e-spec.ts',
  'test/device/**/*.e2e-spec.ts',
  'test/e2e/**/*.e2e-spec.ts',
  'test/risk/**/*.e2e-spec.ts',
  'test/security/**/*.e2e-spec.ts',
  'test/wechat/**/*.e2e-spec.ts',
  'test/app-client/**/*.e2e-spec.ts',
];

export default defineConfig({
  plugins: shared.plugins,
  test: {
    ...shared.test,
    include: process.env.QR_MUTATION_SUITES === 'all' ? [...FAST, ...END_TO_END] : FAST,
    exclude: [
      ...configDefaults.exclude,
      'lib/kernel/qr-login.image.decode.spec.ts',
      'test/e2e/redis-cluster.e2e-spec.ts',
      'test/e2e/scale-out.e2e-spec.ts',
      'test/device/device-scale-out.e2e-spec.ts',
      'test/security/fuzz.e2e-spec.ts',
    ],
  },
});
