import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe } from 'vitest';
import { QrLoginModule, type QrLoginStore } from '../../lib';
import { QrLoginDeviceGrantModule } from '../../lib/plugins/device';
import { QrLoginTelemetryModule } from '../../lib/telemetry';
import { ADAPTERS, fixtureOptions, type AdapterName } from '../app/test-app';
import { DEVICE_CLIENTS } from '../device/device-test-app';
import { nativeClient } from '../support/http';
import { ManualClock } from '../support/manual-clock';
import type { MatrixApp } from '../support/matrix';
import { STORE_KINDS, type StoreKind } from '../support/stores';

/** A metric reader the test collects from when it wants to look (no timer, no export). */
class CollectingReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/** What the SDK's in-memory exporters hold: metrics on demand, and every ended span. */
export interface TelemetrySink {
  meterProvider: MeterProvider;
  tracerProvider: BasicTracerProvider;
  spans: InMemorySpanExporter;
  /** The metrics as of now (cumulative since the app started). */
  collect(): Promise<ResourceMetrics>;
}

export function telemetrySink(): TelemetrySink {
  const reader = new CollectingReader();
  const spans = new InMemorySpanExporter();
  return {
    meterProvider: new MeterProvider({ readers: [reader] }),
    tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
    spans,
    collect: async () => (await reader.collect()).resourceMetrics,
  };
}

/** The data points of metric `name` whose attributes include `attributes`. */
export function pointsOf(metrics: ResourceMetrics, name: string, attributes: Record<string, string> = {}) {
  const found = metrics.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === name);
  const points = (found?.dataPoints ?? []) as DataPoint<unknown>[];
  return points.filter((point) => Object.entries(attributes).every(([key, value]) => point.attributes[key] === value));
}

/** The sum of a counter's points matching `attributes` (0 when none). */
export function countOf(metrics: ResourceMetrics, name: string, attributes: Record<string, string> = {}): number {
  return pointsOf(metrics, name, attributes).reduce((sum, point) => sum + (point.value as number), 0);
}

/** The count and sum (s) of a histogram's points matching `attributes`. */
export function histogramOf(metrics: ResourceMetrics, name: string, attributes: Record<string, string> = {}) {
  return pointsOf(metrics, name, attributes).reduce(
    (total, point) => {
      const value = point.value as { count: number; sum?: number };
      return { count: total.count + value.count, sum: total.sum + (value.sum ?? 0) };
    },
    { count: 0, sum: 0 },
  );
}

/** Every attribute value, span name and status message the sink holds, as one text to search for secrets. */
export function everythingRecorded(metrics: ResourceMetrics, sink: TelemetrySink): string {
  const values: unknown[] = [];
  for (const metric of metrics.scopeMetrics.flatMap((scope) => scope.metrics))
    for (const point of metric.dataPoints as DataPoint<unknown>[]) values.push(point.attributes);
  for (const span of sink.spans.getFinishedSpans())
    values.push(span.name, span.attributes, span.status, span.events, span.links);
  return JSON.stringify(values);
}

/** The fixture app with the device grant and the telemetry module recording into `sink`, on a free loopback port. */
export async function createTelemetryApp(opts: {
  adapter: AdapterName;
  store: QrLoginStore;
  clock: ManualClock;
  sink: TelemetrySink;
}): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      QrLoginModule.forRoot(
        fixtureOptions({
          store: opts.store,
          clock: opts.clock,
          qrCodeTtl: 60,
          issueTokenSet: (user: any) => ({ access_token: `session-for-${user.id}`, expires_in: 3600, user }),
        }),
      ),
      QrLoginDeviceGrantModule.forRoot({ clients: DEVICE_CLIENTS, interval: 1 }),
      QrLoginTelemetryModule.forRoot({
        meterProvider: opts.sink.meterProvider,
        tracerProvider: opts.sink.tracerProvider,
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication(
    opts.adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
    {
      logger: false,
      forceCloseConnections: true,
    },
  );
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

/** One cell of `describeTelemetry`: its own clock and sink, and its app once the cell's `beforeAll` ran. */
export interface TelemetryCell extends Readonly<MatrixApp> {
  readonly clock: ManualClock;
  readonly sink: TelemetrySink;
}

/**
 * Declares `body` once per store kind × HTTP adapter (`<title> over the <store>
 * store` › `on <adapter>`), each cell with a fresh manual clock and sink and
 * its own telemetry app (`createTelemetryApp`), started before the cell's
 * tests; after them the app is closed and both providers shut down.
 */
export function describeTelemetry(
  title: string,
  body: (cell: TelemetryCell, adapter: AdapterName, kind: StoreKind) => void,
): void {
  describe.each(STORE_KINDS)(`${title} over the $name store`, (kind) => {
    beforeAll(() => kind.setup());
    afterAll(() => kind.teardown());

    describe.each(ADAPTERS)('on %s', (adapter) => {
      // 2 ms past a whole second: codes expire on whole seconds, so a test that
      // advances by the lifetime alone falls just short of the expiry, every run.
      const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000 + 2);
      const sink = telemetrySink();
      let started: MatrixApp | undefined;
      beforeAll(async () => {
        const { app, url } = await createTelemetryApp({ adapter, store: kind.make(), clock, sink });
        started = { app, url, api: nativeClient(url) };
      });
      afterAll(async () => {
        await started?.app.close();
        await sink.meterProvider.shutdown();
        await sink.tracerProvider.shutdown();
      });
      const running = () => {
        if (!started)
          throw new Error('describeTelemetry(): the app is there once the cell started (use it in tests and hooks).');
        return started;
      };
      body(
        {
          clock,
          sink,
          get app() {
            return running().app;
          },
          get url() {
            return running().url;
          },
          get api() {
            return running().api;
          },
        },
        adapter,
        kind,
      );
    });
  });
}

/** The names of the spans that measure a kernel action (not a store call, not a stream). */
export const ACTION_SPAN_NAMES = ['create', 'scan', 'confirm', 'cancel', 'redeem', 'poll'].map((a) => `qr_login.${a}`);

/** The finished spans of kernel actions on the code `codeHash`, in the order they started. */
export function actionSpansOf(sink: TelemetrySink, codeHash: string): ReadableSpan[] {
  return sink.spans
    .getFinishedSpans()
    .filter((span) => ACTION_SPAN_NAMES.includes(span.name) && span.attributes['qr_login.code.hash'] === codeHash)
    .sort((a, b) => compareTimes(a.startTime, b.startTime));
}

/** The finished spans whose parent is `parent`. */
export function childrenOf(sink: TelemetrySink, parent: ReadableSpan): ReadableSpan[] {
  const { traceId, spanId } = parent.spanContext();
  return sink.spans
    .getFinishedSpans()
    .filter((span) => span.parentSpanContext?.spanId === spanId && span.spanContext().traceId === traceId);
}

/** Orders two SDK times (`[s, ns]`): negative when `a` is earlier, 0 when equal. */
export const compareTimes = (a: [number, number], b: [number, number]): number => a[0] - b[0] || a[1] - b[1];

/** A span's length in ns, measured by the SDK from its start to its end. */
export const durationNs = (span: ReadableSpan): number => span.duration[0] * 1e9 + span.duration[1];

/** An SDK time (`[s, ns]`) in ms, as a float (enough for comparisons to a fraction of a ms). */
export const msOf = ([seconds, nanoseconds]: [number, number]): number => seconds * 1e3 + nanoseconds / 1e6;

/**
 * Whether `inner` lies within `outer`. The SDK stamps a span's start with
 * `Date.now()` (whole ms) and measures its length with the monotonic clock,
 * so starts of two spans compare to within 1 ms only; lengths are exact.
 */
export const within = (inner: ReadableSpan, outer: ReadableSpan): boolean =>
  msOf(inner.startTime) >= msOf(outer.startTime) - 1 &&
  msOf(inner.endTime) <= msOf(outer.endTime) + 1 &&
  durationNs(inner) <= durationNs(outer);
