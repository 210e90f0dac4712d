import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { QR_LOGIN_CONFIG } from '../../kernel/qr-login.constants';
import type { ResolvedQrLoginConfig } from '../../kernel/qr-login.config';
import { toHttpError } from '../qr-login.exception';
import { headerOf } from '../qr-login.request';
import { requestHtuOf } from './qr-login-dpop.url';
import { QrLoginDpopVerifier } from './qr-login-dpop.verifier';

const VERIFIED = Symbol.for('nestjs-qr-login:dpop-jkt');

/** The thumbprint of the key whose DPoP proof this request carried, once `QrLoginDpopGuard` verified it. */
export function dpopJktOf(request: unknown): string | undefined {
  return (request as Record<symbol, string | undefined> | undefined)?.[VERIFIED];
}

/** Marks a request as carrying a verified proof by the key `jkt` (for a plugin that verified one itself). */
export function markDpopJkt(request: object, jkt: string): void {
  Object.defineProperty(request, VERIFIED, { value: jkt, configurable: true });
}

/**
 * The proof a request carries: its `DPoP` header, or on a GET its `dpop`
 * query parameter (for `EventSource`, which cannot send headers). The query
 * form is checked exactly like the header: `htu` is the URL without its query,
 * and the proof is good once.
 */
export function dpopProofOf(request: any): string | undefined {
  const header = headerOf(request, 'dpop');
  if (header !== undefined) return header;
  if (String(request?.method).toUpperCase() !== 'GET') return undefined;
  const query = request?.query?.dpop;
  return typeof query === 'string' ? query : Array.isArray(query) ? query.join(',') : undefined;
}

/**
 * Verifies the DPoP proof a request carries, if any, and marks the request
 * with its key's thumbprint; `QrLoginHttpService.proofOf` then hands it to the
 * kernel, which alone decides what it proves against a code's record. A
 * request without a proof passes untouched (a secret-bound code does not need
 * one; a key-bound code is refused by the kernel); a proof that fails any
 * check is refused with its `QR_DPOP_*` code. With `creatorBinding: 'secret'`
 * proofs are not read.
 */
@Injectable()
export class QrLoginDpopGuard implements CanActivate {
  constructor(
    private readonly verifier: QrLoginDpopVerifier,
    @Inject(QR_LOGIN_CONFIG) private readonly config: ResolvedQrLoginConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.config.creatorBinding === 'secret') return true;
    const request = context.switchToHttp().getRequest();
    const proof = dpopProofOf(request);
    if (proof === undefined) return true;
    try {
      const verified = await this.verifier.verify(proof, {
        method: String(request.method),
        htu: requestHtuOf(request),
      });
      markDpopJkt(request, verified.jkt);
    } catch (error) {
      throw toHttpError(error);
    }
    return true;
  }
}
