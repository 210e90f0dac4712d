import { type QrLoginStore } from '../lib';
import { RedisQrLoginStore } from '../lib/stores/redis';

/**
 * The store the sample runs on: undefined (the module's in-memory default)
 * unless `REDIS_URL` is set, so several instances can share codes.
 */
export function storeFromEnv(env: NodeJS.ProcessEnv): QrLoginStore | undefined {
  const url = env.REDIS_URL?.trim();
  if (!url) return undefined;
  return new RedisQrLoginStore({ url });
}
