import { describe, expect, it } from 'vitest';
import { passkeyErrors } from './qr-login-passkey.errors';
import type { QrLoginError } from './qr-login.errors';

const shape = (error: QrLoginError) => [error.name, error.code, error.message];

describe('passkeyErrors', () => {
  it('gives each passkey refusal its code and words, with the reason where there is one', () => {
    expect(
      [
        passkeyErrors.required(),
        passkeyErrors.invalid('wrong challenge'),
        passkeyErrors.replayed(),
        passkeyErrors.counter(),
        passkeyErrors.registrationClosed(),
        passkeyErrors.registrationFailed('origin not allowed'),
        passkeyErrors.disabled(),
      ].map(shape),
    ).toStrictEqual([
      [
        'QrLoginError',
        'QR_PASSKEY_REQUIRED',
        'This login must be approved with your passkey: sign the challenge of this code (POST <prefix>/qrcodes/:id/passkey-options) and send the assertion as "passkey" with the confirm.',
      ],
      [
        'QrLoginError',
        'QR_PASSKEY_INVALID',
        'The passkey assertion does not approve this request (wrong challenge), so the code was cancelled. Scan a new code and approve what the phone shows.',
      ],
      [
        'QrLoginError',
        'QR_PASSKEY_REPLAYED',
        'This passkey assertion was used before; each approval is signed anew. The code was cancelled: scan a new one.',
      ],
      [
        'QrLoginError',
        'QR_PASSKEY_COUNTER',
        "The passkey's signature counter did not advance, as a copied authenticator's would not; the code was cancelled. Remove that passkey and register the device again.",
      ],
      [
        'QrLoginError',
        'QR_PASSKEY_REGISTRATION_CLOSED',
        'A passkey cannot be registered for this account now (passkeys.mayRegister; by default only a first one): log in again with your password, then register.',
      ],
      [
        'QrLoginError',
        'QR_PASSKEY_REGISTRATION_FAILED',
        'The passkey registration did not verify (origin not allowed). Ask for new options (POST <prefix>/passkeys/registration/options) and try again.',
      ],
      [
        'QrLoginError',
        'QR_PASSKEYS_DISABLED',
        'Passkeys are not set up on this server: set the passkeys option (rpId, origins) of QrLoginModule.',
      ],
    ]);
  });
});
