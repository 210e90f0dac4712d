import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { QrLoginContext } from '../../lib';
import { SampleSettings } from '../sample.settings';
import { TOKEN_AUDIENCES, type TokenLane } from './token-lanes';
import type { SampleUser } from './users.service';

/** What every login answers: the password logins, the web page's QR login and the device grant's token endpoint. */
export interface SampleTokenSet {
  access_token: string;
  /** `DPoP` for a token bound to the key of the browser that logged in (RFC 9449 §5), else `Bearer`. */
  token_type: 'Bearer' | 'DPoP';
  /** Seconds until `access_token` expires. */
  expires_in: number;
  user: SampleUser;
}

/** Claims of the sample's access tokens (plus `aud`, the lane, and `exp`). */
export interface SampleJwtPayload {
  sub: string;
  username: string;
  /** For a QR login by a key-bound code: the thumbprint of the browser's DPoP key; the token works only with its proofs. */
  cnf?: { jkt: string };
}

/** How long after a phone's password login it may register a passkey, ms. */
export const PASSKEY_ENROLMENT_WINDOW_MS = 5 * 60 * 1000;

@Injectable()
export class AuthService {
  /** When each user last logged in to the phone app with their password, ms since the epoch. */
  private readonly passwordLogins = new Map<string, number>();

  constructor(
    private readonly jwt: JwtService,
    private readonly settings: SampleSettings,
  ) {}

  /** A token set for one lane (see `TOKEN_AUDIENCES`): the audience says where the token may be used. */
  async issueTokenSet(user: SampleUser, lane: TokenLane, jkt?: string): Promise<SampleTokenSet> {
    const payload: SampleJwtPayload = { sub: user.id, username: user.username, ...(jkt ? { cnf: { jkt } } : {}) };
    return {
      access_token: await this.jwt.signAsync(payload, { audience: TOKEN_AUDIENCES[lane] }),
      token_type: jkt ? 'DPoP' : 'Bearer',
      expires_in: this.settings.accessTokenTtl,
      user: { id: user.id, username: user.username, displayName: user.displayName },
    };
  }

  /** Notes a phone's password login of `userId`, now. */
  notePasswordLogin(userId: string): void {
    this.passwordLogins.set(userId, Date.now());
  }

  /**
   * Whether `userId` typed their password into the phone app within the
   * enrolment window: only then may the phone register (another) passkey, so
   * a phone token lifted later cannot enrol an authenticator of its own.
   */
  mayRegisterPasskey(userId: string): boolean {
    const at = this.passwordLogins.get(userId);
    return at !== undefined && Date.now() - at < PASSKEY_ENROLMENT_WINDOW_MS;
  }

  /**
   * QrLoginModule's `issueTokenSet`: a device token for a code the device
   * grant made (the kernel's `flow`, from the record: a page's own `context`
   * cannot claim it), else a web session.
   * Never an app token, so a QR login cannot approve further logins. A
   * key-bound code (`context.dpop`) gives a token bound to the same key
   * (`cnf.jkt`), which `GET /auth/me` takes only with a proof by that key.
   */
  issueQrLoginTokenSet(user: SampleUser, context: QrLoginContext): Promise<SampleTokenSet> {
    return this.issueTokenSet(user, context.flow === 'device' ? 'device' : 'web', context.dpop?.jkt);
  }
}
