import { AsyncLocalStorage } from 'node:async_hooks';
import { Inject, Injectable } from '@nestjs/common';
import type * as OpenTelemetryApi from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanOptions, Tracer } from '@opentelemetry/api';
import {
  QR_LOGIN_STORE,
  type QrLoginEvent,
  type QrLoginInstrumentation,
  type QrLoginInstrumentedAction,
  type QrLoginStore,
  type QrLoginStreamEnd,
} from '../plugin';
import { QR_LOGIN_ATTRIBUTES as A, dbSystemOf, hashOfCodeId, storeKindOf } from './telemetry.attributes';
import { QR_LOGIN_INSTRUMENTATION_SCOPE, QR_LOGIN_SPANS } from './telemetry.names';
import { loadOpenTelemetryApi } from './telemetry.otel';
import { QR_LOGIN_TELEMETRY_OPTIONS, type QrLoginTelemetryOptions } from './telemetry.options';
import { measuredStore } from './telemetry.store-spans';

/** The action running in this async context, and what its events may still tell it. */
interface RunningAction {
  span: Span;
  /** Whether the span names its code already (given up front, or told by an event). */
  named: boolean;
  /** Whether the span has its flow already. */
  flowed: boolean;
}

/**
 * The kernel's instrumentation port (`QR_LOGIN_INSTRUMENTATION`) as
 * OpenTelemetry spans: each action from its start to its end (status ERROR
 * and `error.type` = the stable code on a refusal), each status stream for
 * its life, each store call as a client span, a child of the action that made
 * it. Parents come from the app's active context (an HTTP server span) when
 * it has a context manager, and from this class's own async context
 * otherwise, so store calls nest under their action either way.
 *
 * A span carries the store kind, the flow and a hash of the code id; never an
 * id, a ticket, a secret, a user code or a token, nor an error's message
 * (a driver's may quote a connection string). With `spans: false` it measures nothing.
 */
@Injectable()
export class QrLoginTracing implements QrLoginInstrumentation {
  private readonly tracer?: Tracer;
  private readonly api?: typeof OpenTelemetryApi;
  private readonly running = new AsyncLocalStorage<RunningAction>();
  private readonly storeKind: string;
  private readonly dbSystem?: string;

  constructor(
    @Inject(QR_LOGIN_STORE) store: QrLoginStore,
    @Inject(QR_LOGIN_TELEMETRY_OPTIONS) options: QrLoginTelemetryOptions,
  ) {
    this.storeKind = options.storeName ?? storeKindOf(store);
    this.dbSystem = dbSystemOf(store);
    if (options.spans === false) return;
    // Spans need the API's context functions: it is there whenever an SDK is (every SDK depends on it).
    this.api = loadOpenTelemetryApi();
    const provider = options.tracerProvider ?? this.api.trace.getTracerProvider();
    this.tracer = provider.getTracer(QR_LOGIN_INSTRUMENTATION_SCOPE);
  }

  run<T>(action: QrLoginInstrumentedAction, qrcodeId: string | undefined, fn: () => Promise<T>): Promise<T> {
    if (!this.tracer) return fn();
    const attributes: Attributes = { [A.store]: this.storeKind };
    if (qrcodeId) attributes[A.codeHash] = hashOfCodeId(qrcodeId);
    return this.measure(QR_LOGIN_SPANS[action], { attributes }, fn, qrcodeId !== undefined);
  }

  openStream(qrcodeId: string): QrLoginStreamEnd {
    if (!this.tracer) return () => undefined;
    const span = this.tracer.startSpan(
      QR_LOGIN_SPANS.stream,
      { attributes: { [A.store]: this.storeKind, [A.codeHash]: hashOfCodeId(qrcodeId) } },
      this.parent(),
    );
    return (status, code) => {
      if (status) span.setAttribute(A.streamEndStatus, status);
      if (status === 'ERROR') this.refused(span, code ?? '_OTHER');
      span.end();
    };
  }

  wrapStore(store: QrLoginStore): QrLoginStore {
    if (!this.tracer) return store;
    return measuredStore(store, (method, qrcodeId, call) => {
      const attributes: Attributes = { [A.store]: this.storeKind, [A.dbOperation]: method };
      if (this.dbSystem) attributes[A.dbSystem] = this.dbSystem;
      if (qrcodeId) attributes[A.codeHash] = hashOfCodeId(qrcodeId);
      const kind = this.api!.SpanKind.CLIENT;
      return this.measure(`${QR_LOGIN_SPANS.storePrefix}${method}`, { kind, attributes }, call);
    });
  }

  /**
   * What a kernel event tells the action it happened in: the flow of its
   * code and, when the action did not know its code up front (a create, a
   * redemption, an action by user code), a hash of the code's id.
   */
  annotate(event: QrLoginEvent, flow: string): void {
    const action = this.running.getStore();
    if (!action || !action.span.isRecording()) return;
    if (!action.named && event.qrcodeId) {
      action.span.setAttribute(A.codeHash, hashOfCodeId(event.qrcodeId));
      action.named = true;
    }
    if (!action.flowed && flow !== 'unknown') {
      action.span.setAttribute(A.flow, flow);
      action.flowed = true;
    }
  }

  /**
   * Runs `fn` in a span that ends when its promise settles. An action's span
   * becomes the running action (for `annotate` and as the parent of store
   * calls); `named` is whether an action's span names its code already.
   */
  private async measure<T>(name: string, options: SpanOptions, fn: () => Promise<T>, named?: boolean): Promise<T> {
    const api = this.api!;
    const parent = this.parent();
    const span = this.tracer!.startSpan(name, options, parent);
    const context = api.trace.setSpan(parent, span);
    try {
      if (named === undefined) return await api.context.with(context, fn);
      const action: RunningAction = { span, named, flowed: false };
      return await this.running.run(action, () => api.context.with(context, fn));
    } catch (error) {
      this.refused(span, errorTypeOf(error));
      throw error;
    } finally {
      span.end();
    }
  }

  /**
   * The running action's span over the app's active context, else the active context alone. An action
   * that ended is nobody's parent: a timer it armed (a code's expiry check) runs long after it.
   */
  private parent(): Context {
    const api = this.api!;
    const action = this.running.getStore();
    const active = api.context.active();
    return action && action.span.isRecording() ? api.trace.setSpan(active, action.span) : active;
  }

  private refused(span: Span, type: string): void {
    span.setAttribute(A.errorType, type);
    // The message is the stable code only, never the error's text.
    span.setStatus({ code: this.api!.SpanStatusCode.ERROR, message: type });
  }
}

/** A refusal's stable code (`QR_NOT_SCANNER`, a driver's `ECONNREFUSED`), else the error's class name. */
function errorTypeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,63}$/.test(code)) return code;
  const name = (error as Error | null)?.constructor?.name;
  return typeof name === 'string' && name !== '' ? name : '_OTHER';
}
