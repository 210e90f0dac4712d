import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe } from 'vitest';
import type { QrLoginModuleOptions } from '../../lib';
import { ADAPTERS, createTestApp, type AdapterName, type TestAppOptions } from '../app/test-app';
import { nativeClient } from './http';
import { STORE_KINDS, type StoreKind } from './stores';

/** The fixture app of one matrix cell, with a client of its native routes. */
export interface MatrixApp {
  app: INestApplication;
  url: string;
  api: ReturnType<typeof nativeClient>;
}

/**
 * Declares `body` once per store kind × HTTP adapter, each cell with its own
 * fixture app (built with `options`), started before the cell's tests and
 * closed after. `body` receives a getter: the app exists once hooks have run.
 * `options` may be a function, called once per cell (e.g. for a fresh manual clock);
 * `app` sets the rest of the fixture (GenAuth routes, trust proxy).
 */
export function describeMatrix(
  title: string,
  options: Partial<QrLoginModuleOptions> | (() => Partial<QrLoginModuleOptions>),
  body: (current: () => MatrixApp, adapter: AdapterName, kind: StoreKind) => void,
  app: Pick<TestAppOptions, 'genauth' | 'trustProxy'> = {},
): void {
  describe.each(STORE_KINDS)(`${title} over the $name store`, (kind) => {
    beforeAll(() => kind.setup());
    afterAll(() => kind.teardown());

    describe.each(ADAPTERS)('on %s', (adapter) => {
      let cell: MatrixApp | undefined;
      beforeAll(async () => {
        const cellOptions = typeof options === 'function' ? options() : options;
        const started = await createTestApp({ ...app, adapter, store: kind.make(), options: cellOptions });
        cell = { ...started, api: nativeClient(started.url) };
      });
      afterAll(() => cell?.app.close());
      body(() => cell!, adapter, kind);
    });
  });
}
