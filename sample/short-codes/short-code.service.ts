import { formatShortCode, newShortCode, normalizeShortCode } from './short-code';

interface Alias {
  qrcodeId: string;
  /** ms since the epoch; the alias dies with its QR code. */
  expiresAt: number;
}

export interface ShortCodeServiceOptions {
  /** Most aliases alive at once; past it, new codes get none (the QR still works). Default 50 000. */
  maxLive?: number;
}

/**
 * Short codes of the live QR codes of this process, in memory: a short code
 * cannot encode a random 128-bit id, so it is a lookup. Behind a load balancer
 * the phone's lookup may reach another instance; see the sample's README.
 */
export class ShortCodeService {
  private readonly byCode = new Map<string, Alias>();
  private readonly byQrCodeId = new Map<string, string>();
  private readonly maxLive: number;

  constructor(options: ShortCodeServiceOptions = {}) {
    this.maxLive = options.maxLive ?? 50_000;
  }

  /** Aliases held now, expired ones not yet swept included. */
  get size(): number {
    return this.byCode.size;
  }

  /**
   * The short code of a QR code (shown form, e.g. "K7QM-4XPD"), made on first
   * call and the same afterwards; undefined when the store of aliases is full.
   */
  issue(qrcodeId: string, expiresInSeconds: number, now: number = Date.now()): string | undefined {
    this.sweep(now);
    const existing = this.byQrCodeId.get(qrcodeId);
    if (existing) return formatShortCode(existing);
    if (this.byCode.size >= this.maxLive) return undefined;
    let code = newShortCode();
    // 2^40 codes for at most maxLive live ones: a clash is rare, two in a row rarer still.
    while (this.byCode.has(code)) code = newShortCode();
    this.byCode.set(code, { qrcodeId, expiresAt: now + Math.max(0, expiresInSeconds) * 1000 });
    this.byQrCodeId.set(qrcodeId, code);
    return formatShortCode(code);
  }

  /** The qrcodeId a typed short code stands for, while its QR code lives. */
  resolve(text: string, now: number = Date.now()): string | undefined {
    const code = normalizeShortCode(text);
    const alias = code === undefined ? undefined : this.byCode.get(code);
    if (!alias || alias.expiresAt <= now) return undefined;
    return alias.qrcodeId;
  }

  /**
   * Drops expired aliases from the oldest on. Codes share one lifetime (a
   * rotated code keeps its chain's expiry), so insertion order is close to
   * expiry order and this stops at the first live one.
   */
  private sweep(now: number): void {
    for (const [code, alias] of this.byCode) {
      if (alias.expiresAt > now) break;
      this.byCode.delete(code);
      if (this.byQrCodeId.get(alias.qrcodeId) === code) this.byQrCodeId.delete(alias.qrcodeId);
    }
  }
}
