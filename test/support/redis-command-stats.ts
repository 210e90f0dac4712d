import type { Redis } from 'ioredis';

/**
 * One figure of `INFO commandstats` for `command` on the node `redis` is
 * connected to, since that server started: how often it ran (`calls`), or
 * how often it was refused before running (`rejected_calls`, an ACL denial
 * for one). 0 for a command the server has not seen.
 */
export async function commandStat(
  redis: Redis,
  command: string,
  field: 'calls' | 'rejected_calls' = 'calls',
): Promise<number> {
  const info = await redis.info('commandstats');
  return Number(new RegExp(`^cmdstat_${command}:(?:[^\\r\\n]*,)?${field}=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
}
