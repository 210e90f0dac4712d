import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { MemoryQrLoginStore } from '../stores/memory-qr-login.store';
import type { QrLoginStore } from '../plugin';
import { QR_LOGIN_ATTRIBUTES as A, hashOfCodeId } from './telemetry.attributes';
import { QrLoginTracing } from './telemetry.tracing';

/** The tracing over `store`, its spans in an in-memory exporter. */
function tracingOver(store: QrLoginStore, spans = true) {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracing = new QrLoginTracing(store, { tracerProvider, spans });
  return { tracing, finished: () => exporter.getFinishedSpans() };
}

const ID = 'Q'.repeat(27);

describe('QrLoginTracing', () => {
  it('ends a failed store call’s span with ERROR and the driver’s code, never the error’s text', async () => {
    class PostgresQrLoginStore extends MemoryQrLoginStore {
      override async get(): Promise<never> {
        throw Object.assign(new Error('connect ECONNREFUSED postgres://app:hunter2-secret@db:5432/app'), {
          code: 'ECONNREFUSED',
        });
      }
    }
    const { tracing, finished } = tracingOver(new PostgresQrLoginStore());
    const store = tracing.wrapStore(new PostgresQrLoginStore());
    await expect(tracing.run('poll', ID, () => store.get(ID))).rejects.toThrow(/ECONNREFUSED/);
    const [call, poll] = finished();
    expect(call.name).toBe('qr_login.store.get');
    expect(call.attributes).toMatchObject({
      [A.dbSystem]: 'postgresql',
      [A.dbOperation]: 'get',
      [A.errorType]: 'ECONNREFUSED',
      [A.codeHash]: hashOfCodeId(ID),
    });
    expect(call.status).toEqual({ code: 2, message: 'ECONNREFUSED' });
    expect(call.parentSpanContext?.spanId).toBe(poll.spanContext().spanId);
    expect(poll.status).toEqual({ code: 2, message: 'ECONNREFUSED' });
    expect(JSON.stringify(finished().map((span) => [span.attributes, span.status, span.events]))).not.toContain(
      'hunter2',
    );
  });

  it('keeps the store’s optional methods present or absent, and names no alias or one-time key', async () => {
    const memory = new MemoryQrLoginStore();
    const { tracing, finished } = tracingOver(memory);
    const wrapped = tracing.wrapStore(memory);
    expect(typeof wrapped.createWithAlias).toBe('function');
    // A store of the interface's required methods only.
    const bare: QrLoginStore = {
      create: (record) => memory.create(record),
      get: (id) => memory.get(id),
      compareAndSet: (id, version, next) => memory.compareAndSet(id, version, next),
      watch: (id) => memory.watch(id),
      rememberOnce: (key, ttlMs) => memory.rememberOnce(key, ttlMs),
      setAlias: (alias, id, expiresAt) => memory.setAlias(alias, id, expiresAt),
      resolveAlias: (alias) => memory.resolveAlias(alias),
    };
    expect(tracing.wrapStore(bare).createWithAlias).toBeUndefined();
    expect(tracing.wrapStore(bare).checkRoom).toBeUndefined();
    await wrapped.setAlias('user-code:WDJBMJHT', ID, Date.now() + 60_000);
    await wrapped.resolveAlias('user-code:WDJBMJHT');
    await wrapped.rememberOnce('nonce:abcdef123456', 1_000);
    const recorded = JSON.stringify(finished().map((span) => [span.name, span.attributes]));
    expect(finished().map((span) => span.name)).toEqual([
      'qr_login.store.setAlias',
      'qr_login.store.resolveAlias',
      'qr_login.store.rememberOnce',
    ]);
    expect(recorded).not.toMatch(/WDJBMJHT|abcdef123456/);
    // A span without a parent action is a root; the memory store is no database.
    expect(finished().every((span) => span.parentSpanContext === undefined)).toBe(true);
    expect(finished().every((span) => span.attributes[A.dbSystem] === undefined)).toBe(true);
  });

  it('makes no ended action the parent of a call that comes after it (a timer it armed)', async () => {
    const memory = new MemoryQrLoginStore();
    const { tracing, finished } = tracingOver(memory);
    const store = tracing.wrapStore(memory);
    let later!: Promise<unknown>;
    await tracing.run('create', undefined, async () => {
      later = new Promise((resolve) => setTimeout(() => resolve(store.get(ID)), 5));
    });
    await later;
    const [create, get] = finished();
    expect(create.name).toBe('qr_login.create');
    expect(get.name).toBe('qr_login.store.get');
    expect(get.parentSpanContext).toBeUndefined();
  });

  it('with spans off, measures nothing and returns the store itself', async () => {
    const memory = new MemoryQrLoginStore();
    const { tracing, finished } = tracingOver(memory, false);
    expect(tracing.wrapStore(memory)).toBe(memory);
    expect(await tracing.run('scan', ID, async () => 7)).toBe(7);
    tracing.openStream(ID)('AUTHORIZED');
    expect(finished()).toEqual([]);
  });
});
