import type { QrLoginStore } from '../kernel/interfaces/qr-login-store.interface';
import { registerFactCases } from './store-contract.facts';
import { watchInto, type Watched } from './store-contract.helpers';
import type { ContractContext, QrLoginStoreContractOptions, QrLoginStoreProbes } from './store-contract.options';
import { registerWatchCases } from './store-contract.watch';
import { registerWriteCases } from './store-contract.writes';

/**
 * Registers the guarantees every `QrLoginStore` makes (see that interface's
 * doc comment) as test cases of your framework, checked against real
 * instances your `factory` makes: atomic compare-and-set under 200 concurrent
 * writers, expiry without reads, copies that never alias, a change feed that
 * misses nothing after a read, one-time facts and aliases, and `close()`.
 *
 * `factory` makes a fresh, open store each time it is called (the suite
 * closes every store it made after each case). For a store that shares state,
 * two stores from it must see the same data; give `setup`/`teardown` to start
 * and stop what they connect to. Every case uses fresh random ids, so a
 * backend may be shared with other tests. The cases run on the real clock
 * (expiry is a store's own timer or TTL) and take a few seconds in all.
 *
 * @example
 * import { after, afterEach, before, describe, it } from 'node:test';
 * describeQrLoginStoreContract('MyQrLoginStore', () => new MyQrLoginStore(url), {
 *   framework: { describe, it, beforeAll: before, afterAll: after, afterEach },
 * });
 */
export function describeQrLoginStoreContract<S extends QrLoginStore>(
  name: string,
  factory: () => S,
  options: QrLoginStoreContractOptions<S>,
): void {
  const { framework } = options;
  const sharesState = options.sharesState ?? true;
  framework.describe(`QrLoginStore contract: ${name}`, () => {
    const opened: QrLoginStore[] = [];
    const watches: Watched[] = [];
    const open = (): QrLoginStore => {
      const store = factory();
      opened.push(store);
      return store;
    };
    const context: ContractContext = {
      it: framework.it,
      open,
      pair: () => {
        const writer = open();
        return [writer, sharesState ? open() : writer];
      },
      watch: (store, id) => {
        const watched = watchInto(store, id);
        watches.push(watched);
        return watched;
      },
      // The probes take the caller's store type; every store they see here came from `factory`.
      probes: (options.probes ?? {}) as QrLoginStoreProbes,
      sharesState,
      unavailableAfterClose: options.unavailableAfterClose ?? sharesState,
    };

    framework.beforeAll(() => options.setup?.());
    framework.afterEach(async () => {
      for (const watched of watches.splice(0)) watched.subscription.unsubscribe();
      await Promise.all(opened.splice(0).map((store) => store.close?.()));
    });
    framework.afterAll(() => options.teardown?.());

    registerWriteCases(context);
    registerWatchCases(context);
    registerFactCases(context);
  });
}
