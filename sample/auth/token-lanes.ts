/**
 * The sample's three kinds of access token, told apart by their JWT audience
 * (`aud`), each accepted only where it belongs:
 *
 * - `web`: a browser session, from the password login `POST /auth/login` or
 *   from a QR login (`POST /qr-login/login`); `GET /auth/me` accepts it.
 * - `app`: the phone app's token, from `POST /auth/app/login`; the only one
 *   that may scan, confirm or cancel a code (`appAuth`), and `GET /auth/app/me`.
 * - `device`: what the device grant's token endpoint hands a TV or CLI; no
 *   route of the sample accepts it (a real app would give it its own API).
 *
 * One signing key serves all three, so the audience is what keeps a stolen
 * or leaked web session from approving logins on the phone routes.
 */
export const TOKEN_AUDIENCES = {
  web: 'sample-web',
  app: 'sample-app',
  device: 'sample-device',
} as const;

export type TokenLane = keyof typeof TOKEN_AUDIENCES;

/** Passport strategy names: `jwt-web` for browser sessions, `jwt-app` for the phone app. */
export const WEB_STRATEGY = 'jwt-web';
export const APP_STRATEGY = 'jwt-app';
