import { Inject, Injectable, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type {
  Attributes,
  BatchObservableCallback,
  Counter,
  Histogram,
  Meter,
  ObservableGauge,
} from '@opentelemetry/api';
import type { Subscription } from 'rxjs';
import { QR_LOGIN_STORE, QrLoginService, type QrLoginEvent, type QrLoginStore } from '../plugin';
import { QR_LOGIN_ATTRIBUTES as A, flowOf, storeKindOf } from './telemetry.attributes';
import { QR_LOGIN_DURATION_BUCKETS_S, QR_LOGIN_INSTRUMENTATION_SCOPE, QR_LOGIN_METRICS as M } from './telemetry.names';
import { loadOpenTelemetryApi } from './telemetry.otel';
import { QR_LOGIN_TELEMETRY_OPTIONS, type QrLoginTelemetryOptions } from './telemetry.options';
import { QrLoginTracing } from './telemetry.tracing';

/** Codes whose flow is remembered for their refusals (which carry no record); the oldest is forgotten first. */
const REMEMBERED_FLOWS = 10_000;

/**
 * Records `QrLoginService.events$` as OpenTelemetry metrics (names in
 * `QR_LOGIN_METRICS`), and tells each event to the span of the action it
 * happened in (`QrLoginTracing`, which measures the actions). Attributes are
 * low-cardinality facts (flow, store, action, error code); nothing anywhere
 * carries an id, a ticket, a secret or a token.
 */
@Injectable()
export class QrLoginTelemetry implements OnModuleInit, OnModuleDestroy {
  private subscription?: Subscription;
  private meter?: Meter;
  private gauges: ObservableGauge[] = [];
  private observe?: BatchObservableCallback;
  private readonly flows = new Map<string, string>();
  private readonly storeKind: string;
  private counters!: { created: Counter; transitions: Counter; refusals: Counter };
  private durations!: Partial<Record<QrLoginEvent['type'], Histogram>>;

  constructor(
    private readonly kernel: QrLoginService,
    @Inject(QR_LOGIN_STORE) private readonly store: QrLoginStore,
    @Inject(QR_LOGIN_TELEMETRY_OPTIONS) private readonly options: QrLoginTelemetryOptions,
    @Optional() private readonly tracing?: QrLoginTracing,
  ) {
    this.storeKind = options.storeName ?? storeKindOf(store);
  }

  onModuleInit(): void {
    const meterProvider = this.options.meterProvider ?? loadOpenTelemetryApi().metrics.getMeterProvider();
    const meter = meterProvider.getMeter(QR_LOGIN_INSTRUMENTATION_SCOPE);
    this.meter = meter;
    this.counters = {
      created: meter.createCounter(M.codesCreated, { description: 'QR login codes created.', unit: '{code}' }),
      transitions: meter.createCounter(M.transitions, {
        description: 'Changes of QR login codes after creation.',
        unit: '{transition}',
      }),
      refusals: meter.createCounter(M.refusals, { description: 'Refused QR login actions.', unit: '{refusal}' }),
    };
    const histogram = (name: string, description: string) =>
      meter.createHistogram(name, {
        description,
        unit: 's',
        advice: { explicitBucketBoundaries: QR_LOGIN_DURATION_BUCKETS_S },
      });
    this.durations = {
      scanned: histogram(M.scanDuration, 'Time from a code’s creation to its scan.'),
      authorized: histogram(M.approvalDuration, 'Time from a code’s scan to its approval.'),
      redeemed: histogram(M.redeemDuration, 'Time from a code’s approval to its ticket’s redemption.'),
    };
    this.observeGauges(meter);
    this.subscription = this.kernel.events$.subscribe((event) => this.record(event));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    if (this.observe) this.meter?.removeBatchObservableCallback(this.observe, this.gauges);
  }

  private observeGauges(meter: Meter): void {
    const streams = meter.createObservableGauge(M.streamsOpen, {
      description: 'Status subscriptions open in this process (SSE streams among them).',
      unit: '{stream}',
    });
    this.gauges = [streams];
    const sized = this.store as QrLoginStore & { size?: unknown };
    const live =
      typeof sized.size === 'number'
        ? meter.createObservableGauge(M.codesLive, { description: 'QR login codes the store holds.', unit: '{code}' })
        : undefined;
    if (live) this.gauges.push(live);
    const attributes = { [A.store]: this.storeKind };
    this.observe = (result) => {
      result.observe(streams, this.kernel.activeWatchCount, attributes);
      if (live) result.observe(live, sized.size as number, attributes);
    };
    meter.addBatchObservableCallback(this.observe, this.gauges);
  }

  private record(event: QrLoginEvent): void {
    const flow = this.flowFor(event);
    const base: Attributes = { [A.flow]: flow, [A.store]: this.storeKind };
    if (event.type === 'refused') {
      this.counters.refusals.add(1, {
        ...base,
        [A.action]: event.action ?? 'unknown',
        [A.errorType]: event.code ?? 'unknown',
      });
    } else if (event.type === 'created') {
      this.counters.created.add(1, base);
    } else if (event.type !== 'accepted') {
      this.counters.transitions.add(1, {
        ...base,
        [A.transition]: event.type,
        ...(event.code ? { [A.errorType]: event.code } : {}),
      });
    }
    const histogram = this.durations[event.type];
    if (histogram && event.stepStartedAt !== undefined && event.at >= event.stepStartedAt)
      histogram.record((event.at - event.stepStartedAt) / 1000, base);
    this.tracing?.annotate(event, flow);
  }

  /** The flow of the event's code, remembered from its record's events for the refusals, which carry none. */
  private flowFor(event: QrLoginEvent): string {
    const known = flowOf(event);
    if (known !== undefined) {
      if (event.qrcodeId && !this.flows.has(event.qrcodeId)) {
        if (this.flows.size >= REMEMBERED_FLOWS) this.flows.delete(this.flows.keys().next().value!);
        this.flows.set(event.qrcodeId, known);
      }
      return known;
    }
    if (event.action === 'PUSH' && event.source) return event.source.split(':')[0];
    return this.flows.get(event.qrcodeId) ?? 'unknown';
  }
}
