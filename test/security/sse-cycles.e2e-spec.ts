import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryQrLoginStore, QrLoginService } from '../../lib';
import { createTestApp } from '../app/test-app';
import { nativeClient } from '../support/http';
import { eventually } from '../support/sse';

/**
 * Streams opened and dropped by the thousand must leave nothing behind: no
 * watch, no store watcher, no socket or timer. `QR_SSE_CYCLES` sets the count.
 */
const CYCLES = Number(process.env.QR_SSE_CYCLES ?? 10_000);
const PARALLEL = 25;

function resourceCount(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap').length;
}

describe('SSE connect/disconnect cycles', () => {
  let app: Awaited<ReturnType<typeof createTestApp>>['app'];
  let base: string;
  const store = new MemoryQrLoginStore();

  beforeAll(async () => {
    const started = await createTestApp({ adapter: 'express', store });
    app = started.app;
    base = started.url;
  });
  afterAll(() => app.close());

  it(`${CYCLES} cycles leave 0 subscriptions and no growth in open handles`, async () => {
    const service = app.get(QrLoginService);
    const id = (await nativeClient(base).create()).body.qrcodeId;
    const url = nativeClient(base).eventsUrl(id);
    const cycle = async () => {
      const abort = new AbortController();
      const response = await fetch(url, { signal: abort.signal });
      const reader = response.body!.getReader();
      // The first event proves the server subscribed before the client leaves.
      await reader.read();
      abort.abort();
      await reader.cancel().catch(() => undefined);
    };
    // Warm up, so pools and lazily created handles exist before the baseline.
    await Promise.all(Array.from({ length: PARALLEL }, cycle));
    await eventually(() => service.activeWatchCount === 0, 10_000, 'warm-up streams to close');
    await new Promise((r) => setTimeout(r, 200));
    const baseline = resourceCount();

    let done = 0;
    const worker = async () => {
      while (done < CYCLES) {
        done++;
        await cycle();
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));

    await eventually(() => service.activeWatchCount === 0, 15_000, 'every watch to be released');
    expect(store.watchedIds).toBe(0);
    await eventually(() => resourceCount() <= baseline + 2, 15_000, `open handles to return to ${baseline}`);
    expect(done).toBeGreaterThanOrEqual(CYCLES);
  }, 300_000);
});
