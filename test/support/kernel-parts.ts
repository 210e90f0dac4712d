import { expect } from 'vitest';
import { resolveQrLoginConfig, type ResolvedQrLoginConfig } from '../../lib/kernel/qr-login.config';
import { wireQrLoginKernel, type QrLoginKernelParts } from '../../lib/kernel/qr-login.wiring';
import type { QrLoginEvent } from '../../lib/kernel/interfaces/qr-login-events.interface';
import type { QrLoginKernelOptions } from '../../lib/kernel/interfaces/qr-login-options.interface';
import {
  QR_LOGIN_NO_INSTRUMENTATION,
  type QrLoginInstrumentation,
  type QrLoginInstrumentedAction,
} from '../../lib/kernel/interfaces/qr-login-instrumentation.port';
import type { QrLoginApprovalPort } from '../../lib/kernel/interfaces/qr-login-approval.port';
import { QrLoginRiskAssessor } from '../../lib/risk/qr-login-risk.assessor';
import { resolveRiskConfig } from '../../lib/risk/qr-login-risk.config';
import { MemoryQrLoginStore } from '../../lib/stores/memory-qr-login.store';
import { ManualClock } from './manual-clock';

/** The kernel's parts over a fresh memory store and a manual clock, with the events it reports collected. */
export interface KernelOnClock extends QrLoginKernelParts {
  clock: ManualClock;
  store: MemoryQrLoginStore;
  config: ResolvedQrLoginConfig;
  /** Every event reported since the parts were made, in order. */
  events: QrLoginEvent[];
  /** Ends the expiry checks and the store's timers. */
  close(): Promise<void>;
}

/**
 * Wires the kernel as the module does (the default risk layer, no HTTP) over
 * the memory store, on a manual clock that starts `offsetMs` past the current
 * whole second of the real clock: the memory store keeps wall-clock
 * retention, so the clock starts at the real time and only moves forward.
 * `approval` stands for the passkey layer (by default every code is approved by token).
 */
export function kernelOnClock(
  options: Partial<QrLoginKernelOptions> = {},
  {
    offsetMs = 250,
    instrumentation,
    approval,
  }: { offsetMs?: number; instrumentation?: QrLoginInstrumentation; approval?: QrLoginApprovalPort } = {},
): KernelOnClock {
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000 - 1000 + offsetMs);
  const store = (options.store as MemoryQrLoginStore | undefined) ?? new MemoryQrLoginStore();
  const config = resolveQrLoginConfig({
    appAuth: { resolveUser: () => null },
    store,
    clock,
    ...options,
  } as QrLoginKernelOptions);
  const parts = wireQrLoginKernel(
    config,
    store,
    new QrLoginRiskAssessor(resolveRiskConfig(undefined)),
    instrumentation,
    approval,
  );
  const events: QrLoginEvent[] = [];
  const subscription = parts.audit.events$.subscribe((event) => events.push(event));
  return {
    ...parts,
    clock,
    store,
    config,
    events,
    close: async () => {
      subscription.unsubscribe();
      await store.close();
    },
  };
}

/** The stable code a kernel call was refused with, or undefined when it went through. */
export const codeOf = (run: Promise<unknown>): Promise<string | undefined> =>
  run.then(
    () => undefined,
    (error: { code?: string }) => error.code,
  );

/**
 * The stable code of the refusal `run` rejects with, and the reason `reason` (a pattern with one group)
 * finds in its message; fails the test when `run` resolves.
 */
export async function refusalOf(run: Promise<unknown>, reason: RegExp): Promise<{ code: string; why?: string }> {
  const error = (await run.then(
    () => expect.unreachable('expected a refusal'),
    (thrown: unknown) => thrown,
  )) as { code: string; message: string };
  return { code: error.code, why: reason.exec(error.message)?.[1] };
}

/** The error `run` throws; fails the test when it throws none. */
export function thrownBy(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
}

/** Instrumentation that records each measured action and the code it named, in order, and measures nothing else. */
export function recordingInstrumentation(): {
  instrumentation: QrLoginInstrumentation;
  measured: Array<[QrLoginInstrumentedAction, string | undefined]>;
} {
  const measured: Array<[QrLoginInstrumentedAction, string | undefined]> = [];
  const instrumentation: QrLoginInstrumentation = {
    ...QR_LOGIN_NO_INSTRUMENTATION,
    run: (action, qrcodeId, fn) => {
      measured.push([action, qrcodeId]);
      return fn();
    },
  };
  return { instrumentation, measured };
}
