import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryQrLoginStore, QrLoginModule, QrLoginService, type QrLoginStore } from '../../lib';
import {
  QR_LOGIN_INSTRUMENTATION,
  QR_LOGIN_NO_INSTRUMENTATION,
  type QrLoginInstrumentation,
  type QrLoginInstrumentedAction,
} from '../../lib/plugin';
import { fixtureOptions } from '../app/test-app';

/*
 * The kernel's instrumentation port, seen from a plugin that provides it
 * globally (as the telemetry module does) and records what the kernel tells
 * it: which actions run, what store calls they make between their start and
 * their end, how a refusal ends, when a stream opens and closes. No
 * OpenTelemetry here: the port is the kernel's own.
 */

const alice = { id: 'alice', name: 'Alice' };
const bob = { id: 'bob', name: 'Bob' };

/** Logs every action, stream and store call, in order; ids as given, to compare with the run's. */
class RecordingInstrumentation implements QrLoginInstrumentation {
  readonly log: string[] = [];
  wrapped = 0;

  async run<T>(action: QrLoginInstrumentedAction, qrcodeId: string | undefined, fn: () => Promise<T>): Promise<T> {
    this.log.push(`start ${action} ${qrcodeId ?? '-'}`);
    try {
      return await fn();
    } catch (error) {
      this.log.push(`refused ${action} ${(error as { code?: string }).code}`);
      throw error;
    } finally {
      this.log.push(`end ${action}`);
    }
  }

  openStream(qrcodeId: string) {
    this.log.push(`open ${qrcodeId}`);
    return (status?: string, code?: string) => this.log.push(`close ${status ?? '-'} ${code ?? '-'}`);
  }

  wrapStore(store: QrLoginStore): QrLoginStore {
    this.wrapped++;
    return new Proxy(store, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || property === 'watch') return value;
        return (...args: unknown[]) => {
          this.log.push(`store ${String(property)}`);
          return value.apply(target, args);
        };
      },
    });
  }

  /** The log since `mark`, and a new mark. */
  since(mark: number): string[] {
    return this.log.slice(mark);
  }
}

async function kernelWith(instrumentation?: QrLoginInstrumentation) {
  @Global()
  @Module({
    providers: [{ provide: QR_LOGIN_INSTRUMENTATION, useValue: instrumentation }],
    exports: [QR_LOGIN_INSTRUMENTATION],
  })
  class InstrumentationModule {}
  const moduleRef = await Test.createTestingModule({
    imports: [
      QrLoginModule.forRoot(fixtureOptions({ store: new MemoryQrLoginStore() })),
      ...(instrumentation ? [InstrumentationModule] : []),
    ],
  }).compile();
  await moduleRef.init();
  return { moduleRef, service: moduleRef.get(QrLoginService) };
}

describe('the kernel instrumentation port', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('runs each action through the port, its store calls between its start and its end', async () => {
    const recorder = new RecordingInstrumentation();
    const { moduleRef, service } = await kernelWith(recorder);
    close = () => moduleRef.close();
    // The store is wrapped once, when the kernel is wired, before any action.
    expect(recorder.wrapped).toBe(1);
    expect(recorder.log).toEqual([]);

    const created = await service.create();
    const id = created.qrcodeId;
    expect(recorder.since(0)).toEqual(['start create -', 'store checkRoom', 'store createWithAlias', 'end create']);

    let mark = recorder.log.length;
    const statuses: string[] = [];
    const stream = service.watch(id, { creatorSecrets: [created.creatorSecret] }).subscribe((view) => {
      statuses.push(view.status);
    });
    await service.getStatus(id);
    expect(recorder.since(mark)).toEqual([`open ${id}`, 'store get', `start poll ${id}`, 'store get', 'end poll']);

    mark = recorder.log.length;
    await service.scan(id, alice);
    expect(recorder.since(mark)).toEqual([`start scan ${id}`, 'store get', 'store compareAndSet', 'end scan']);

    mark = recorder.log.length;
    await expect(service.confirm(id, bob)).rejects.toMatchObject({ code: 'QR_NOT_SCANNER' });
    expect(recorder.since(mark)).toEqual([
      `start confirm ${id}`,
      'store get',
      'refused confirm QR_NOT_SCANNER',
      'end confirm',
    ]);

    mark = recorder.log.length;
    const confirmed = await service.confirm(id, alice, { matchCode: created.matchCode });
    expect(confirmed.status).toBe('AUTHORIZED');
    // The memory store's change feed is synchronous: the stream closes inside the confirmation.
    expect(recorder.since(mark)).toEqual([
      `start confirm ${id}`,
      'store get',
      'store compareAndSet',
      'close AUTHORIZED -',
      'end confirm',
    ]);
    expect(statuses.at(-1)).toBe('AUTHORIZED');
    stream.unsubscribe();
    // A stream closes once.
    expect(recorder.log.filter((line) => line.startsWith('close'))).toHaveLength(1);

    const ticket = (await service.getStatus(id, { creatorSecrets: [created.creatorSecret] })).ticket!;
    mark = recorder.log.length;
    await service.redeemTicket(ticket, { creatorSecrets: [created.creatorSecret] });
    expect(recorder.since(mark)).toEqual(['start redeem -', 'store get', 'store compareAndSet', 'end redeem']);
  });

  it('runs an action by user code with the lookup inside it, the code unknown up front', async () => {
    const recorder = new RecordingInstrumentation();
    const { moduleRef, service } = await kernelWith(recorder);
    close = () => moduleRef.close();
    const created = await service.create();
    const mark = recorder.log.length;
    await service.scanByUserCode(created.userCode, alice);
    expect(recorder.since(mark)).toEqual([
      'start scan -',
      'store resolveAlias',
      'store get',
      'store compareAndSet',
      'end scan',
    ]);
    // A name that is no action is refused before anything is looked up or measured.
    await expect(service.actByUserCode(created.userCode, 'DELETE' as never, alice)).rejects.toMatchObject({
      code: 'QR_VALIDATION_FAILED',
    });
    expect(recorder.log.length).toBe(mark + 5);
  });

  it('without a plugin, the default measures nothing and hands the kernel its own store and promises', async () => {
    const store = new MemoryQrLoginStore();
    expect(QR_LOGIN_NO_INSTRUMENTATION.wrapStore(store)).toBe(store);
    const answer = Promise.resolve(42);
    expect(QR_LOGIN_NO_INSTRUMENTATION.run('create', undefined, () => answer)).toBe(answer);
    const { moduleRef, service } = await kernelWith();
    close = () => moduleRef.close();
    const created = await service.create();
    await service.scan(created.qrcodeId, alice);
    expect((await service.getStatus(created.qrcodeId)).status).toBe('SCANNED');
  });
});
