import { describe, expect, it } from 'vitest';
import { MemoryQrLoginStore } from '../../lib/stores/memory-qr-login.store';
import { QrCodeRepository } from '../../lib/kernel/qr-code.repository';
import { systemClock } from '../../lib/kernel/qr-login.clock';
import { QrLoginError } from '../../lib/kernel/qr-login.errors';
import { userCodeAlias } from '../../lib/kernel/user-code.format';
import { QrLoginUserCodes } from '../../lib/kernel/user-code.aliases';
import type { QrCodeRecord } from '../../lib/kernel/interfaces/qr-code.interface';
import type { QrLoginStoreAlias } from '../../lib/kernel/interfaces/qr-login-store.interface';
import { newRecord } from '../../lib/testing';

/*
 * User codes as store aliases. The store is the real memory store, with its
 * alias write (`createWithAlias`, or `setAlias` for a store without it)
 * answering "taken" a given number of times first, as a store whose aliases
 * clash (or that refuses them) would.
 */

const ID = 'Q'.repeat(27);

/** A memory store whose first `refusals` alias writes answer false; it records every alias it was asked for. */
class RefusingStore extends MemoryQrLoginStore {
  readonly asked: string[] = [];
  constructor(private refusals: number) {
    super();
  }
  override async createWithAlias(record: QrCodeRecord, alias: QrLoginStoreAlias): Promise<boolean> {
    this.asked.push(alias.key);
    if (this.refusals > 0) {
      this.refusals--;
      return false;
    }
    return super.createWithAlias(record, alias);
  }
}

/** The same, for a store that offers only `setAlias` (the kernel's fallback: alias, then create). */
class RefusingAliasOnlyStore extends MemoryQrLoginStore {
  readonly asked: string[] = [];
  constructor(private refusals: number) {
    super();
    (this as { createWithAlias?: unknown }).createWithAlias = undefined;
  }
  override async setAlias(alias: string, id: string, expiresAt: number): Promise<boolean> {
    this.asked.push(alias);
    if (this.refusals > 0) {
      this.refusals--;
      return false;
    }
    return super.setAlias(alias, id, expiresAt);
  }
}

function userCodesOver(store: MemoryQrLoginStore): QrLoginUserCodes {
  return new QrLoginUserCodes(new QrCodeRepository(store, systemClock));
}

const create = (codes: QrLoginUserCodes) => codes.create(newRecord({ id: ID }), Date.now() + 60_000);

describe.each([
  ['createWithAlias', (refusals: number) => new RefusingStore(refusals)],
  ['setAlias then create', (refusals: number) => new RefusingAliasOnlyStore(refusals)],
])('QrLoginUserCodes.create over a store writing aliases with %s', (_how, storeWith) => {
  it('points a fresh code at the id, in canonical form, on the first try', async () => {
    const store = storeWith(0);
    const code = await create(userCodesOver(store));
    expect(code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
    expect(store.asked).toEqual([userCodeAlias(code)]);
    expect(await store.resolveAlias(userCodeAlias(code))).toBe(ID);
    expect((await store.get(ID))?.userCode).toBe(code);
  });

  it('tries a new code each time the store refuses, and keeps the one it accepted (fifth try)', async () => {
    const store = storeWith(4);
    const code = await create(userCodesOver(store));
    expect(store.asked).toHaveLength(5);
    expect(store.asked[4]).toBe(userCodeAlias(code));
    expect(await store.resolveAlias(userCodeAlias(code))).toBe(ID);
  });

  it('throws, naming the alias write, after five refusals in a row, and stores nothing', async () => {
    const store = storeWith(Number.POSITIVE_INFINITY);
    await expect(create(userCodesOver(store))).rejects.toThrow(
      /No free user code after 5 tries; the store's setAlias or createWithAlias may be broken/,
    );
    expect(store.asked).toHaveLength(5);
    expect(await store.get(ID)).toBeNull();
  });
});

describe('QrLoginUserCodes.resolve', () => {
  it('finds the id whatever the case, dashes or spaces of what was typed', async () => {
    const store = new MemoryQrLoginStore();
    const codes = userCodesOver(store);
    const code = await codes.create(newRecord({ id: ID }), Date.now() + 60_000);
    const typed = ` ${code.slice(0, 4).toLowerCase()}-${code.slice(4)} `;
    await expect(codes.resolve(typed)).resolves.toBe(ID);
  });

  it.each([
    ['malformed text', 'not a code', 'QR_VALIDATION_FAILED'],
    ['a number', 12345678, 'QR_VALIDATION_FAILED'],
    ['a well-formed code that points nowhere', 'BCDF-GHJK', 'QR_USER_CODE_NOT_FOUND'],
  ])('refuses %s with %s', async (_what, text, code) => {
    const refusal = await userCodesOver(new MemoryQrLoginStore())
      .resolve(text)
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(QrLoginError);
    expect(refusal).toMatchObject({ code });
    // Each refusal says what a user code looks like, or where to find a live one.
    expect((refusal as Error).message).toContain('WDJB-MJHT');
  });
});
