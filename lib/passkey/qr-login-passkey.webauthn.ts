import { requireOptionalPeer } from '../kernel/qr-login.optional-peer';

/** The calls of `@simplewebauthn/server` this layer makes, typed as it uses them. */
export type QrLoginWebAuthn = Pick<
  typeof import('@simplewebauthn/server'),
  'generateRegistrationOptions' | 'verifyRegistrationResponse' | 'verifyAuthenticationResponse'
>;

/** Loads `@simplewebauthn/server` when passkeys are configured, so apps that never use them need not install it. */
export function loadWebAuthn(): QrLoginWebAuthn {
  return requireOptionalPeer<QrLoginWebAuthn>(
    () => require('@simplewebauthn/server'),
    '@simplewebauthn/server',
    'passkeys need the package @simplewebauthn/server: run `npm install @simplewebauthn/server`, or leave the approval option at "token" and the passkeys option unset.',
  );
}
