import passport from 'passport';
import { QrLoginConfigError } from '../kernel/qr-login.errors';
import { closestKey } from '../kernel/qr-login.option-checks';

/** The part of passport's authenticator that tells which strategies are registered (not in its typings). */
interface PassportRegistry {
  _strategies?: Record<string, unknown>;
}

/**
 * Stops the start when `appAuth.strategies` names a strategy nobody
 * registered: otherwise the app boots and every scan fails with a 500
 * ("Unknown authentication strategy"). Strategies register themselves when
 * Nest instantiates their providers, so this runs once every provider exists.
 * @internal
 */
export function checkAppAuthStrategies(names: readonly string[] | undefined): void {
  if (!names) return;
  const registered = Object.keys((passport as unknown as PassportRegistry)._strategies ?? {});
  // Passport's built-in `session` strategy is registered by passport itself, not by the app.
  const offered = registered.filter((name) => name !== 'session');
  for (const name of names) {
    if (registered.includes(name)) continue;
    const meant = closestKey(name, offered);
    throw new QrLoginConfigError(
      `"appAuth.strategies" names the passport strategy "${name}", which is not registered${meant ? ` (did you mean "${meant}"?)` : ''}. ` +
        `Registered strategies: ${offered.length ? offered.map((n) => `"${n}"`).join(', ') : 'none'}. ` +
        'Add the strategy class (e.g. class JwtStrategy extends PassportStrategy(Strategy, "jwt")) to the providers of a module the app imports, or fix the name.',
    );
  }
}
