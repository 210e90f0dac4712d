import { QrLoginError, QrLoginErrorCode as E } from './qr-login.errors';

/** The refusals of passkey approval and registration, each message written once and saying how to go on. */
export const passkeyErrors = {
  required: () =>
    new QrLoginError(
      E.PASSKEY_REQUIRED,
      'This login must be approved with your passkey: sign the challenge of this code (POST <prefix>/qrcodes/:id/passkey-options) and send the assertion as "passkey" with the confirm.',
    ),
  invalid: (why: string) =>
    new QrLoginError(
      E.PASSKEY_INVALID,
      `The passkey assertion does not approve this request (${why}), so the code was cancelled. Scan a new code and approve what the phone shows.`,
    ),
  replayed: () =>
    new QrLoginError(
      E.PASSKEY_REPLAYED,
      'This passkey assertion was used before; each approval is signed anew. The code was cancelled: scan a new one.',
    ),
  counter: () =>
    new QrLoginError(
      E.PASSKEY_COUNTER,
      "The passkey's signature counter did not advance, as a copied authenticator's would not; the code was cancelled. Remove that passkey and register the device again.",
    ),
  registrationClosed: () =>
    new QrLoginError(
      E.PASSKEY_REGISTRATION_CLOSED,
      'A passkey cannot be registered for this account now (passkeys.mayRegister; by default only a first one): log in again with your password, then register.',
    ),
  registrationFailed: (why: string) =>
    new QrLoginError(
      E.PASSKEY_REGISTRATION_FAILED,
      `The passkey registration did not verify (${why}). Ask for new options (POST <prefix>/passkeys/registration/options) and try again.`,
    ),
  disabled: () =>
    new QrLoginError(
      E.PASSKEYS_DISABLED,
      'Passkeys are not set up on this server: set the passkeys option (rpId, origins) of QrLoginModule.',
    ),
};
