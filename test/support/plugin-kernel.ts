import type { DynamicModule } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { MemoryQrLoginStore, QrLoginModule, type QrLoginModuleOptions } from '../../lib';
import { QrLoginService } from '../../lib/plugin';
import { ManualClock } from './manual-clock';

/**
 * A memory store that records every alias it is asked to set and whether it
 * was taken; `refuseAliases` makes it break its contract and refuse every
 * alias, to see that a plugin notices; `failReads` makes it unreachable for reads.
 */
export class RecordingMemoryStore extends MemoryQrLoginStore {
  readonly aliasCalls: Array<{ alias: string; id: string; expiresAt: number; taken: boolean }> = [];
  refuseAliases = false;
  /** Makes every read of a code fail, as a store that cannot be reached. */
  failReads = false;

  override async get(id: string): ReturnType<MemoryQrLoginStore['get']> {
    if (this.failReads) throw new Error('the store cannot be reached');
    return super.get(id);
  }

  override async setAlias(alias: string, id: string, expiresAt: number): Promise<boolean> {
    const taken = this.refuseAliases ? false : await super.setAlias(alias, id, expiresAt);
    this.aliasCalls.push({ alias, id, expiresAt, taken });
    return taken;
  }
}

/** The module's kernel service, as a plugin reaches it, over a memory store (a fresh one unless `options.store` gives one) and a manual clock. */
export interface PluginKernel {
  moduleRef: TestingModule;
  kernel: QrLoginService;
  clock: ManualClock;
  store: MemoryQrLoginStore;
  /** Ends the module (its expiry checks) and the store's timers. */
  close(): Promise<void>;
}

/**
 * `QrLoginModule` (and the plugin modules in `plugins`) wired by Nest as an
 * app wires them (through the package's public entries only), without an
 * HTTP server: for unit specs of a plugin's services, which get the real
 * kernel service, HTTP service and DPoP verifier from `moduleRef`. The manual clock starts `offsetMs` past the current whole
 * second of the real clock, since the memory store keeps wall-clock retention;
 * rate limits are off (no request passes a guard here).
 */
export async function pluginKernel(
  options: Partial<QrLoginModuleOptions> = {},
  plugins: DynamicModule[] = [],
  { offsetMs = 250 }: { offsetMs?: number } = {},
): Promise<PluginKernel> {
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000 - 1000 + offsetMs);
  const store = (options.store as MemoryQrLoginStore | undefined) ?? new MemoryQrLoginStore();
  const moduleRef = await Test.createTestingModule({
    imports: [
      QrLoginModule.forRoot({
        // Unit specs act as app users directly; no request is ever resolved here.
        appAuth: { resolveUser: () => null },
        rateLimit: false,
        clock,
        ...options,
        store,
      } as QrLoginModuleOptions),
      ...plugins,
    ],
  }).compile();
  await moduleRef.init();
  return {
    moduleRef,
    kernel: moduleRef.get(QrLoginService),
    clock,
    store,
    close: async () => {
      await moduleRef.close();
      await store.close();
    },
  };
}
