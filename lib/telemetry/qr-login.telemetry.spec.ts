import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { QrLoginEvent, QrLoginService, QrLoginStore } from '../plugin';
import { QrLoginTelemetry } from './qr-login.telemetry';
import { QR_LOGIN_ATTRIBUTES as A, QR_LOGIN_METRICS as M } from './index';

class CollectingReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/** The telemetry over a stand-in kernel whose events the test sends; the SDK's reader collects. */
function harness(store: object = {}) {
  const events = new Subject<QrLoginEvent>();
  const kernel = { events$: events.asObservable(), activeWatchCount: 3 } as unknown as QrLoginService;
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const telemetry = new QrLoginTelemetry(kernel, store as QrLoginStore, { meterProvider, spans: false });
  telemetry.onModuleInit();
  const points = async (name: string) => {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []) as DataPoint<unknown>[];
  };
  return { events, telemetry, points };
}

describe('QrLoginTelemetry', () => {
  it('gives a refusal the flow of its code, learnt from the code’s earlier events, else unknown', async () => {
    const { events, points } = harness();
    events.next({ type: 'created', qrcodeId: 'dev-1', at: 0, flow: 'device', via: 'device' });
    events.next({ type: 'refused', qrcodeId: 'dev-1', at: 1, action: 'CONFIRM', code: 'QR_NOT_SCANNER' });
    events.next({ type: 'refused', qrcodeId: 'never-seen', at: 2, action: 'SCAN', code: 'QR_NOT_FOUND' });
    events.next({
      type: 'refused',
      qrcodeId: '',
      at: 3,
      action: 'PUSH',
      code: 'WECHAT_BAD_SIGNATURE',
      source: 'wechat:oa',
    });
    const refusals = (await points(M.refusals)).map((p) => [p.attributes[A.flow], p.attributes[A.errorType], p.value]);
    expect(refusals).toEqual([
      ['device', 'QR_NOT_SCANNER', 1],
      ['unknown', 'QR_NOT_FOUND', 1],
      ['wechat', 'WECHAT_BAD_SIGNATURE', 1],
    ]);
  });

  it('times each step from the record in seconds, and skips a step whose start is unknown', async () => {
    const { events, points } = harness();
    events.next({ type: 'scanned', qrcodeId: 'a', at: 12_500, flow: 'qr', stepStartedAt: 10_000 });
    events.next({ type: 'authorized', qrcodeId: 'b', at: 5_000, flow: 'qr' });
    const [scan] = await points(M.scanDuration);
    expect(scan.value).toMatchObject({ count: 1, sum: 2.5 });
    expect(await points(M.approvalDuration)).toEqual([]);
  });

  it('reports open streams, live codes only for a store with a size, and stops on destroy', async () => {
    const sized = harness({ size: 7 });
    expect((await sized.points(M.streamsOpen)).map((p) => p.value)).toEqual([3]);
    expect((await sized.points(M.codesLive)).map((p) => [p.attributes[A.store], p.value])).toEqual([['custom', 7]]);
    expect(await harness({}).points(M.codesLive)).toEqual([]);
    sized.telemetry.onModuleDestroy();
    sized.events.next({ type: 'created', qrcodeId: 'late', at: 0, flow: 'qr' });
    expect(await sized.points(M.codesCreated)).toEqual([]);
  });
});
