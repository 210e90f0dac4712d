import { configDefaults, defineConfig } from 'vitest/config';
import { shared } from './vitest.config.mts';

/**
 * The tests mutation testing runs (`npm run test:mutation`): the unit specs
 * beside the code, plus the end-to-end suites that exercise the library's
 * modules over real HTTP and real stores. Left out: suites about the build,
 * the published package, the docs, the sample app, browsers and benchmarks
 * (they test packaging, not the modules' decisions), the Redis Cluster and
 * two-instance suites (minutes each, and the same rules as the single-instance
 * suites) and the long fuzz run. Stryker's `vitest.related` narrows this list
 * further to the files that import the mutated module. The projects of
 * vitest.config.mts are left behind on purpose: each brings its own `include`,
 * which would run every suite.
 */
export default defineConfig({
  plugins: shared.plugins,
  test: {
    ...shared.test,
    include: [
      'lib/**/*.spec.ts',
      'test/kernel/**/*.spec.ts',
      'test/contract/**/*.spec.ts',
      'test/compat/**/*.e2e-spec.ts',
      'test/device/**/*.e2e-spec.ts',
      'test/e2e/**/*.e2e-spec.ts',
      'test/risk/**/*.{spec,e2e-spec}.ts',
      'test/security/**/*.e2e-spec.ts',
      'test/wechat/**/*.e2e-spec.ts',
      'test/app-client/**/*.e2e-spec.ts',
    ],
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
