import { randomBytes } from 'node:crypto';
import type { QrLoginStore } from '../kernel/interfaces/qr-login-store.interface';
import type { JsonObject } from '../kernel/interfaces/qr-code.interface';
import { passkeyErrors } from '../kernel/qr-login-passkey.errors';
import { passkeyChallengeFrom } from '../kernel/qr-login.passkey-challenge';
import { qrErrors } from '../kernel/qr-login.errors';
import type { ResolvedPasskeyConfig } from './qr-login-passkey.config';
import { loadWebAuthn, type QrLoginWebAuthn } from './qr-login-passkey.webauthn';

/** Where a registration challenge waits for its answer: an alias of the store, pointing at the user. */
const REGISTRATION_ALIAS = 'qr-login:passkey-registration:';

type Passkeys = NonNullable<ResolvedPasskeyConfig['passkeys']>;

/** The challenge a browser signed, as its `clientDataJSON` says; empty when it cannot be read. */
function challengeOf(response: JsonObject): string {
  try {
    const data = (response.response as Record<string, unknown> | undefined)?.clientDataJSON;
    const parsed = JSON.parse(Buffer.from(String(data), 'base64url').toString('utf8')) as { challenge?: unknown };
    return typeof parsed.challenge === 'string' ? parsed.challenge : '';
  } catch {
    return '';
  }
}

/**
 * The phone's passkey ceremonies that need no code: registering a passkey
 * for the logged-in app user, and the authentication options of a scanned
 * code (the user's credentials and the challenge the server derives).
 */
export class QrLoginPasskeyRegistration {
  private readonly webauthn?: QrLoginWebAuthn;

  constructor(
    private readonly config: ResolvedPasskeyConfig,
    private readonly store: QrLoginStore,
    private readonly getUserId: (user: unknown) => string,
  ) {
    if (config.passkeys) this.webauthn = loadWebAuthn();
  }

  private get passkeys(): Passkeys {
    if (!this.config.passkeys) throw passkeyErrors.disabled();
    return this.config.passkeys;
  }

  /**
   * The logged-in user's passkeys, oldest first: what a phone's settings page
   * lists. Ids and dates only, never a public key or counter.
   */
  async list(user: unknown): Promise<{ passkeys: Array<{ id: string; createdAt: number; transports?: string[] }> }> {
    const credentials = await this.passkeys.store.listByUser(this.getUserId(user));
    return {
      passkeys: credentials.map(({ id, createdAt, transports }) => ({
        id,
        createdAt,
        ...(transports ? { transports } : {}),
      })),
    };
  }

  /** A passkey is registered only where the app's `mayRegister` says so (by default: a user's first one). */
  private async assertMayRegister(user: unknown, userId: string): Promise<number> {
    const registered = (await this.passkeys.store.listByUser(userId)).length;
    if (!(await this.passkeys.mayRegister(user, registered))) throw passkeyErrors.registrationClosed();
    return registered;
  }

  /** Creation options for `navigator.credentials.create()`, with a fresh challenge kept for `timeoutSeconds`. */
  async registrationOptions(user: unknown): Promise<unknown> {
    const passkeys = this.passkeys;
    const userId = this.getUserId(user);
    await this.assertMayRegister(user, userId);
    const existing = await passkeys.store.listByUser(userId);
    const options = await this.webauthn!.generateRegistrationOptions({
      rpName: passkeys.rpName,
      rpID: passkeys.rpId,
      userName: passkeys.userName(user),
      userID: Buffer.from(userId, 'utf8'),
      challenge: randomBytes(32),
      timeout: passkeys.timeoutMs,
      attestationType: 'none',
      excludeCredentials: existing.map((credential) => ({
        id: credential.id,
        transports: credential.transports as never,
      })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    });
    const kept = await this.store.setAlias(
      REGISTRATION_ALIAS + options.challenge,
      userId,
      Date.now() + passkeys.timeoutMs,
    );
    if (!kept) throw qrErrors.storeUnavailable();
    return options;
  }

  /** Verifies the browser's answer to `registrationOptions` (this user's challenge, once, user verified) and keeps the passkey. */
  async verifyRegistration(user: unknown, response: JsonObject): Promise<{ id: string; createdAt: number }> {
    const passkeys = this.passkeys;
    const userId = this.getUserId(user);
    const challenge = challengeOf(response);
    const owner = challenge ? await this.store.resolveAlias(REGISTRATION_ALIAS + challenge) : null;
    if (owner !== userId) throw passkeyErrors.registrationFailed('unknown or expired challenge');
    if (!(await this.store.rememberOnce(`${REGISTRATION_ALIAS}used:${challenge}`, passkeys.timeoutMs)))
      throw passkeyErrors.registrationFailed('this challenge was answered already');
    await this.assertMayRegister(user, userId);
    let info;
    try {
      const result = await this.webauthn!.verifyRegistrationResponse({
        response: response as never,
        expectedChallenge: challenge,
        expectedOrigin: passkeys.origins,
        expectedRPID: passkeys.rpId,
        requireUserVerification: true,
      });
      if (!result.verified || !result.registrationInfo) throw new Error('the attestation does not verify');
      info = result.registrationInfo.credential;
    } catch (error) {
      throw passkeyErrors.registrationFailed(String((error as Error)?.message ?? error).slice(0, 160));
    }
    const createdAt = Date.now();
    const added = await passkeys.store.add({
      id: info.id,
      userId,
      publicKey: Buffer.from(info.publicKey).toString('base64url'),
      counter: info.counter,
      transports: info.transports,
      createdAt,
    });
    if (!added) throw passkeyErrors.registrationFailed('this passkey is registered already');
    return { id: info.id, createdAt };
  }

  /**
   * Request options for `navigator.credentials.get()` to approve a code the
   * user scanned: their credentials, and the challenge derived from the code
   * with the number the user picked (never the right one: the phone must not
   * learn it from here). A phone derives the same challenge from what it showed.
   */
  async authenticationOptions(user: unknown, qrcodeId: string, matchCode?: string): Promise<unknown> {
    const passkeys = this.passkeys;
    const userId = this.getUserId(user);
    const record = await this.store.get(qrcodeId);
    if (!record || record.scannedBy?.userId !== userId) throw qrErrors.notScanner();
    if (record.approval?.method !== 'passkey') throw qrErrors.wrongState(record.status, 'SIGN');
    const { version, shown } = record.approval;
    const credentials = await passkeys.store.listByUser(userId);
    return {
      challenge: passkeyChallengeFrom({ qrcodeId, version, matchCode, shown }),
      rpId: passkeys.rpId,
      timeout: passkeys.timeoutMs,
      userVerification: 'required',
      allowCredentials: credentials.map((credential) => ({
        id: credential.id,
        type: 'public-key',
        ...(credential.transports ? { transports: credential.transports } : {}),
      })),
    };
  }
}
