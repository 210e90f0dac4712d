/*
 * `nestjs-qr-login/testing`: the contract every `QrLoginStore` keeps, as a
 * suite a store's own tests run (Vitest, Jest or `node:test`), and the small
 * helpers its cases use. Nothing here loads a database driver: the store under
 * test brings its own.
 */

export { describeQrLoginStoreContract } from './store-contract';
export type { QrLoginStoreContractOptions, QrLoginStoreProbes, QrLoginTestFramework } from './store-contract.options';
export { eventually, newRecord, successor, watchInto, type Watched } from './store-contract.helpers';
