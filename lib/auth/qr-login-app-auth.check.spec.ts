import passport, { Strategy } from 'passport';
import { afterEach, describe, expect, it } from 'vitest';
import { QrLoginConfigError } from '../kernel/qr-login.errors';
import { checkAppAuthStrategies } from './qr-login-app-auth.check';

/*
 * The start-up check of `appAuth.strategies` against passport's own registry:
 * the strategies an app registers here are real passport strategies, and
 * passport's built-in `session` strategy is there from the start.
 */

/** A strategy that is never run: only its name in the registry matters here. */
class NamedStrategy extends Strategy {
  constructor(override readonly name: string) {
    super();
  }
}

const registered: string[] = [];
function register(...names: string[]): void {
  for (const name of names) {
    passport.use(new NamedStrategy(name));
    registered.push(name);
  }
}

/** The error the check throws for `names`, or undefined when it lets them through. */
function refusal(names: readonly string[] | undefined): QrLoginConfigError | undefined {
  try {
    checkAppAuthStrategies(names);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(QrLoginConfigError);
    return error as QrLoginConfigError;
  }
}

describe('checkAppAuthStrategies', () => {
  afterEach(() => {
    for (const name of registered.splice(0)) passport.unuse(name);
  });

  it('lets an app without strategies (resolveUser) through, whatever is registered', () => {
    expect(refusal(undefined)).toBeUndefined();
    register('jwt');
    expect(refusal(undefined)).toBeUndefined();
  });

  it('lets through every name passport knows, passport’s own session strategy included', () => {
    register('jwt', 'api-key');
    expect(refusal(['jwt'])).toBeUndefined();
    expect(refusal(['api-key', 'jwt'])).toBeUndefined();
    expect(refusal(['session'])).toBeUndefined();
    expect(refusal([])).toBeUndefined();
  });

  it('refuses a name nobody registered, with the closest registered name and the app’s strategies', () => {
    register('jwt', 'api-key');
    expect(refusal(['jwtt'])?.message).toBe(
      'QrLoginModule is misconfigured: "appAuth.strategies" names the passport strategy "jwtt", which is not registered (did you mean "jwt"?). ' +
        'Registered strategies: "jwt", "api-key". ' +
        'Add the strategy class (e.g. class JwtStrategy extends PassportStrategy(Strategy, "jwt")) to the providers of a module the app imports, or fix the name.',
    );
  });

  it('names the first unknown one even after known ones, and suggests nothing when nothing is close', () => {
    register('jwt');
    const message = refusal(['jwt', 'oauth-bearer'])?.message;
    expect(message).toContain('names the passport strategy "oauth-bearer", which is not registered. Registered');
    expect(message).toContain('Registered strategies: "jwt". Add the strategy class');
  });

  it('says "none" when the app registered no strategy: passport’s session strategy is not the app’s', () => {
    expect(refusal(['jwt'])?.message).toContain(
      'names the passport strategy "jwt", which is not registered. Registered strategies: none. Add',
    );
    // "sesion" is one edit from "session", which is still not offered as the app's strategy.
    expect(refusal(['sesion'])?.message).toContain('"sesion", which is not registered. Registered strategies: none.');
  });
});
