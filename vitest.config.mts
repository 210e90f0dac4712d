import swc from 'unplugin-swc';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The fast loop: specs that start no server, browser, database or build
 * (`npm run test:unit`, under a minute). Everything else is `e2e`
 * (`npm run test:e2e`); `npm test` runs both.
 */
const UNIT_IN_TEST = [
  'test/architecture.spec.ts',
  'test/kernel/*.spec.ts',
  'test/app-client/*.spec.ts',
  'test/docs/entries-table.spec.ts',
  'test/docs/telemetry.spec.ts',
  'test/package-manifest.spec.ts',
  'test/risk/*.spec.ts',
  'test/sample/sample.config.spec.ts',
];
/** Specs beside the code that start a server, or decode thousands of images, all the same. */
const LIB_WITH_SERVERS = [
  'lib/stores/postgres/**/*.spec.ts',
  'lib/stores/redis/**/*.spec.ts',
  'lib/kernel/qr-login.image.decode.spec.ts',
  // Loopback HTTP: the stream hub, the device grant's error answers on both adapters, the fake WeChat server.
  'lib/http/qr-login-sse.hub.spec.ts',
  'lib/plugins/device/device-error.filter.spec.ts',
  'lib/plugins/wechat/wechat-access-token.cache.spec.ts',
];

/**
 * What every run shares, the mutation run included (vitest.mutation.config.mts).
 * SWC (not esbuild) compiles the tests because Nest's dependency injection
 * needs `emitDecoratorMetadata`, which esbuild does not emit.
 */
export const shared = {
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: { testTimeout: 30_000, hookTimeout: 60_000 },
};

export default defineConfig({
  plugins: shared.plugins,
  test: {
    ...shared.test,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['lib/**/*.spec.ts', ...UNIT_IN_TEST],
          exclude: [...configDefaults.exclude, ...LIB_WITH_SERVERS],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.spec.ts', 'test/**/*.e2e-spec.ts', ...LIB_WITH_SERVERS],
          exclude: [...configDefaults.exclude, ...UNIT_IN_TEST],
        },
      },
    ],
  },
});
