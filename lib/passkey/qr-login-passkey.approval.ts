import { createHash } from 'node:crypto';
import type { QrLoginStore } from '../kernel/interfaces/qr-login-store.interface';
import type {
  QrLoginApprovalFacts,
  QrLoginApprovalMethod,
  QrLoginApprovalPort,
  QrLoginPasskeyCheck,
} from '../kernel/interfaces/qr-login-approval.port';
import { passkeyErrors } from '../kernel/qr-login-passkey.errors';
import type { ResolvedPasskeyConfig } from './qr-login-passkey.config';
import { loadWebAuthn, type QrLoginWebAuthn } from './qr-login-passkey.webauthn';

/** How long a used assertion is remembered, ms: longer than any code lives, so none counts twice. */
const ASSERTION_MEMORY_MS = 60 * 60 * 1000;

/** The reasons `@simplewebauthn/server` gives, cut short for the refusal's message. */
const reasonOf = (error: unknown): string => String((error as Error)?.message ?? error).slice(0, 160);

/**
 * The kernel's approval port, implemented with `@simplewebauthn/server` and
 * the passkey store: which method a scan asks for (the `approval` option),
 * and whether an assertion is a fresh, user-verified signature of the
 * kernel's challenge by one of the scanning user's own passkeys.
 */
export class QrLoginPasskeyApproval implements QrLoginApprovalPort {
  private readonly webauthn?: QrLoginWebAuthn;

  constructor(
    private readonly config: ResolvedPasskeyConfig,
    private readonly store: QrLoginStore,
  ) {
    if (config.passkeys) this.webauthn = loadWebAuthn();
  }

  /**
   * WeChat's codes are approved in WeChat (a signed push, a mini-program
   * session), never by a phone of this app, so no passkey can be asked of
   * them. Otherwise a policy's step-up wins over the option, which cannot lower it.
   */
  async methodFor(facts: QrLoginApprovalFacts): Promise<QrLoginApprovalMethod> {
    const approval = this.config.approval;
    if (facts.via === 'wechat') return 'token';
    if (facts.risk.stepUp === 'passkey') return 'passkey';
    if (typeof approval !== 'function') return approval;
    const code = { qrcodeId: facts.qrcodeId, flow: facts.flow, via: facts.via, risk: facts.risk };
    const method = await approval(code, facts.appUser);
    if (method !== 'token' && method !== 'passkey') {
      throw new TypeError(
        `The approval option returned ${JSON.stringify(method)}; it must return 'token' or 'passkey'.`,
      );
    }
    return method;
  }

  async verifyPasskey({ challenge, userId, assertion }: QrLoginPasskeyCheck): Promise<void> {
    const passkeys = this.config.passkeys;
    if (!passkeys || !this.webauthn) throw passkeyErrors.disabled();
    const id = typeof assertion.id === 'string' ? assertion.id : '';
    const credential = id ? await passkeys.store.get(id) : null;
    if (!credential || credential.userId !== userId) throw passkeyErrors.invalid('not a passkey of this user');
    let newCounter: number;
    try {
      const result = await this.webauthn.verifyAuthenticationResponse({
        response: assertion as never,
        expectedChallenge: challenge,
        expectedOrigin: passkeys.origins,
        expectedRPID: passkeys.rpId,
        // The counter is judged below, after the replay check, so each refusal says what it is.
        credential: {
          id: credential.id,
          publicKey: Buffer.from(credential.publicKey, 'base64url'),
          counter: 0,
          transports: credential.transports as never,
        },
        requireUserVerification: true,
      });
      if (!result.verified) throw new Error('the signature does not verify');
      newCounter = result.authenticationInfo.newCounter;
    } catch (error) {
      throw passkeyErrors.invalid(reasonOf(error));
    }
    const signature = String((assertion.response as Record<string, unknown> | undefined)?.signature);
    const key = createHash('sha256').update(`${credential.id}\n${signature}`).digest('base64url');
    if (!(await this.store.rememberOnce(`qr-login:passkey-assertion:${key}`, ASSERTION_MEMORY_MS)))
      throw passkeyErrors.replayed();
    // An authenticator that counts must count up; one that keeps no counter sends 0 every time (WebAuthn §6.1.1).
    const counts = newCounter > 0 || credential.counter > 0;
    if (counts && newCounter <= credential.counter) throw passkeyErrors.counter();
    if (counts && !(await passkeys.store.updateCounter(credential.id, credential.counter, newCounter)))
      throw passkeyErrors.counter();
  }
}
