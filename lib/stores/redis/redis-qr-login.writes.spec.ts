import { Logger, type LoggerService } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import type { QrCodeRecord } from '../../kernel/interfaces/qr-code.interface';
import { aliasExpiryOf, createBothAtOnce, expiryOf, type BothWrites } from './redis-qr-login.writes';

/*
 * The expiry arguments of the Redis store's writes, and the two writes of a
 * create with an alias on a Cluster: which one is taken back, in which order
 * the errors win, and what is logged when taking back fails.
 */

const record = (retainUntil: unknown) => ({ id: 'code-1', retainUntil }) as unknown as QrCodeRecord;

describe('expiryOf', () => {
  it('takes whole milliseconds, rounding up', () => {
    expect(expiryOf(record(1_700_000_000_000))).toBe(1_700_000_000_000);
    expect(expiryOf(record(1_700_000_000_000.2))).toBe(1_700_000_000_001);
  });

  it('refuses a retainUntil that is no finite number, naming the code and the value', () => {
    for (const [value, shown] of [
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      ['1700000000000', '1700000000000'],
      [undefined, 'undefined'],
    ] as const) {
      expect(() => expiryOf(record(value))).toThrow(TypeError);
      expect(() => expiryOf(record(value))).toThrow(
        `QR code code-1 has no valid retainUntil (ms since the epoch): ${shown}.`,
      );
    }
  });
});

describe('aliasExpiryOf', () => {
  it('takes whole milliseconds, rounding up, and never less than 1 (PXAT refuses 0 and below)', () => {
    expect(aliasExpiryOf(1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(aliasExpiryOf(1_700_000_000_000.5)).toBe(1_700_000_000_001);
    expect(aliasExpiryOf(0)).toBe(1);
    expect(aliasExpiryOf(-5)).toBe(1);
    expect(aliasExpiryOf(1.5)).toBe(2);
  });
});

describe('createBothAtOnce', () => {
  const warnings: unknown[][] = [];
  const quiet = () => undefined;
  const recorder: LoggerService = { log: quiet, error: quiet, warn: (...args: unknown[]) => warnings.push(args) };
  afterEach(() => {
    warnings.splice(0);
    Logger.overrideLogger(true);
  });

  type Outcome = boolean | Error;
  /** Writes that settle as told and record what was done, in order. */
  function writes(alias: Outcome, created: true | Error, undoFails = false) {
    const done: string[] = [];
    const both: BothWrites = {
      alias: async () => {
        done.push('alias');
        if (alias instanceof Error) throw alias;
        return alias;
      },
      record: async () => {
        done.push('record');
        if (created instanceof Error) throw created;
      },
      undo: async (what, key) => {
        done.push(`undo ${what} ${key}`);
        if (undoFails) throw new Error(`cannot ${key}`);
      },
      keys: { alias: 'alias-key', record: 'record-key' },
      forget: () => {
        done.push('forget');
      },
    };
    return { both, done };
  }
  const logger = () => {
    Logger.overrideLogger(recorder);
    return new Logger('RedisQrLoginStore');
  };
  const exists = new Error('A QR code with id code-1 exists already.');
  const down = new Error('Redis is down');

  it('answers true and takes nothing back when both writes land', async () => {
    const { both, done } = writes(true, true);
    expect(await createBothAtOnce(logger(), both)).toBe(true);
    expect(done).toEqual(['alias', 'record']);
  });

  it('takes the record back (after forgetting it) when the alias is taken, and answers false', async () => {
    const { both, done } = writes(false, true);
    expect(await createBothAtOnce(logger(), both)).toBe(false);
    expect(done).toEqual(['alias', 'record', 'forget', 'undo remove a QR code record-key']);
  });

  it("takes the alias back when the record is refused, and throws the record's error", async () => {
    const { both, done } = writes(true, exists);
    await expect(createBothAtOnce(logger(), both)).rejects.toBe(exists);
    expect(done).toEqual(['alias', 'record', 'undo remove an alias alias-key']);
  });

  it("takes nothing back when neither landed, and throws the record's error before the alias's", async () => {
    const taken = writes(false, exists);
    await expect(createBothAtOnce(logger(), taken.both)).rejects.toBe(exists);
    expect(taken.done).toEqual(['alias', 'record']);
    const failed = writes(down, exists);
    await expect(createBothAtOnce(logger(), failed.both)).rejects.toBe(exists);
    expect(failed.done).toEqual(['alias', 'record']);
  });

  it("takes the record back when the alias write failed, and throws the alias's error", async () => {
    const { both, done } = writes(down, true);
    await expect(createBothAtOnce(logger(), both)).rejects.toBe(down);
    expect(done).toEqual(['alias', 'record', 'forget', 'undo remove a QR code record-key']);
  });

  it('logs a take-back that failed and answers as it would have', async () => {
    const record = writes(false, true, true);
    expect(await createBothAtOnce(logger(), record.both)).toBe(false);
    const alias = writes(true, exists, true);
    await expect(createBothAtOnce(logger(), alias.both)).rejects.toBe(exists);
    expect(warnings).toEqual([
      [
        'Could not remove a QR code after a refused create (Error: cannot record-key); it expires by itself.',
        'RedisQrLoginStore',
      ],
      [
        'Could not remove an alias after a refused create (Error: cannot alias-key); it expires by itself.',
        'RedisQrLoginStore',
      ],
    ]);
  });
});
