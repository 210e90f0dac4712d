import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy, type StrategyOptionsWithoutRequest } from 'passport-jwt';
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

/** Passport strategy `jwt-web`: browser sessions (`GET /auth/me`); a phone or device token is refused. */
@Injectable()
export class WebJwtStrategy extends PassportStrategy(Strategy, WEB_STRATEGY) {
  constructor(
    settings: SampleSettings,
    private readonly users: UsersService,
  ) {
    super(optionsFor(settings, TOKEN_AUDIENCES.web));
  }

  /** A token of a user who no longer exists is refused, not trusted. */
  validate(payload: SampleJwtPayload): SampleUser | null {
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
