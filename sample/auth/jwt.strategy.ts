import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import {
  ExtractJwt,
  Strategy,
  type StrategyOptionsWithRequest,
  type StrategyOptionsWithoutRequest,
} from 'passport-jwt';
import { QrLoginDpopVerifier, QrLoginError, QrLoginException } from '../../lib';
import { SampleSettings } from '../sample.settings';
import type { SampleJwtPayload } from './auth.service';
import { APP_STRATEGY, TOKEN_AUDIENCES, WEB_STRATEGY } from './token-lanes';
import { UsersService, type SampleUser } from './users.service';

/** Bearer JWTs of one audience, signed with the sample's key; HS256 only, so a token cannot pick a weaker algorithm. */
function optionsFor(settings: SampleSettings, audience: string): StrategyOptionsWithoutRequest {
  return {
    jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
    secretOrKey: settings.jwtSecret,
    audience,
    algorithms: ['HS256'],
  };
}

/** The web session's token: `Authorization: DPoP <token>` for a key-bound one (RFC 9449 §7.1), or `Bearer <token>`. */
const webToken = ExtractJwt.fromExtractors([
  ExtractJwt.fromAuthHeaderWithScheme('DPoP'),
  ExtractJwt.fromAuthHeaderAsBearerToken(),
]);

/**
 * Passport strategy `jwt-web`: browser sessions (`GET /auth/me`); a phone or
 * device token is refused. A token bound to a key (`cnf.jkt`, from a QR login
 * by a key-bound code) is taken only with a DPoP proof by that key for this
 * request and this token (`ath`): a token copied out of the page is useless
 * without the browser's non-extractable key.
 */
@Injectable()
export class WebJwtStrategy extends PassportStrategy(Strategy, WEB_STRATEGY) {
  constructor(
    settings: SampleSettings,
    private readonly users: UsersService,
    private readonly dpop: QrLoginDpopVerifier,
  ) {
    super({
      ...optionsFor(settings, TOKEN_AUDIENCES.web),
      jwtFromRequest: webToken,
      passReqToCallback: true,
    } satisfies StrategyOptionsWithRequest);
  }

  /** A token of a user who no longer exists is refused, not trusted; a key-bound one needs its key's proof. */
  async validate(request: unknown, payload: SampleJwtPayload): Promise<SampleUser | null> {
    const jkt = payload.cnf?.jkt;
    if (jkt !== undefined) {
      try {
        const proof = await this.dpop.verifyRequest(request, { accessToken: webToken(request as never) ?? '' });
        if (proof.jkt !== jkt)
          throw new QrLoginException(401, 'QR_DPOP_KEY_MISMATCH', 'This session is bound to another key (DPoP).');
      } catch (error) {
        // The proof's refusal keeps its stable code (QR_DPOP_*).
        if (error instanceof QrLoginError) throw new QrLoginException(401, error.code, error.message);
        throw error;
      }
    }
    return this.users.findById(payload.sub) ?? null;
  }
}

/**
 * Passport strategy `jwt-app`: the phone app's tokens. The QR module's phone
 * routes use it through `appAuth: { strategies: ['jwt-app'] }`, so a web
 * session or a device token cannot scan or confirm a code.
 */
@Injectable()
export class AppJwtStrategy extends PassportStrategy(Strategy, APP_STRATEGY) {
  constructor(
    settings: SampleSettings,
    private readonly users: UsersService,
  ) {
    super(optionsFor(settings, TOKEN_AUDIENCES.app));
  }

  validate(payload: SampleJwtPayload): SampleUser | null {
    return this.users.findById(payload.sub) ?? null;
  }
}
