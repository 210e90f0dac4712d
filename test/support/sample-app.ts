import { createSampleApp, type SampleAppOptions } from '../../sample/sample.app';

/**
 * The sample app as the suites run it: on a free loopback port, without its
 * logger; `options` add to that or override it (adapter, store, client folder…).
 */
export function startSampleApp(options: SampleAppOptions): ReturnType<typeof createSampleApp> {
  return createSampleApp({ port: 0, host: '127.0.0.1', logger: false, ...options });
}
