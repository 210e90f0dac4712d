import type { QrCodeRecord } from './interfaces/qr-code.interface';
import type { QrCodeRepository } from './qr-code.repository';
import { qrErrors } from './qr-login.errors';
import { newUserCode, normalizeUserCode, userCodeAlias } from './user-code.format';

/**
 * Tries before giving up on a fresh user code. With 2.56 × 10^10 codes a
 * clash needs billions of live ones, so a second try is already rare; five
 * failures in a row mean the store is refusing aliases, not bad luck.
 */
const MAX_TRIES = 5;

/**
 * User codes as store aliases (`createWithAlias` or `setAlias`, and `resolveAlias`): atomic and
 * expiring with their code, so a code typed on a phone resolves on whichever
 * instance the phone reaches.
 * @internal
 */
export class QrLoginUserCodes {
  constructor(private readonly repository: QrCodeRepository) {}

  /**
   * Stores `record` with a fresh user code: sets `record.userCode`, lets
   * `prepare` fill in what depends on it, and writes the record with its
   * alias (until `expiresAt`, ms since the epoch) through the store's
   * `createWithAlias` when it has one (one atomic step), else `setAlias` then
   * `create`. A taken alias means another code: a new user code is tried.
   * Returns the user code in canonical form.
   */
  async create(
    record: QrCodeRecord,
    expiresAt: number,
    prepare?: (record: QrCodeRecord, userCode: string) => void,
  ): Promise<string> {
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const code = newUserCode();
      record.userCode = code;
      prepare?.(record, code);
      const alias = { key: userCodeAlias(code), expiresAt };
      const created = await this.repository.call(async (store) => {
        if (store.createWithAlias) return store.createWithAlias(record, alias);
        if (!(await store.setAlias(alias.key, record.id, alias.expiresAt))) return false;
        await store.create(record);
        return true;
      });
      if (created) return code;
    }
    delete record.userCode;
    throw new Error(
      `No free user code after ${MAX_TRIES} tries; the store's setAlias or createWithAlias may be broken (it must answer true for an unused alias).`,
    );
  }

  /**
   * The qrcodeId a user code stands for. Malformed text is a 400
   * (`QR_VALIDATION_FAILED`); a well-formed code that points nowhere live is
   * a 404 (`QR_USER_CODE_NOT_FOUND`).
   */
  async resolve(text: unknown): Promise<string> {
    const code = normalizeUserCode(text);
    if (code === undefined) {
      throw qrErrors.validation(
        '"userCode" must be the 8-letter code shown under the QR, such as WDJB-MJHT (case, dashes and spaces do not matter).',
      );
    }
    const qrcodeId = await this.repository.call((store) => store.resolveAlias(userCodeAlias(code)));
    if (qrcodeId === null) throw qrErrors.userCodeNotFound();
    return qrcodeId;
  }
}
