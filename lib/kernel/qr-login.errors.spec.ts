import { describe, expect, it } from 'vitest';
import {
  QrLoginConfigError,
  QrLoginError,
  QrLoginErrorCode,
  QrLoginStoreFullError,
  QrLoginStoreUnavailableError,
  qrErrors,
} from './qr-login.errors';

/** Clients read `code`, people read `message`: both are part of the contract, so each is pinned here word for word. */
function shapeOf(error: QrLoginError): { name: string; code: string; message: string; retryAfterSeconds?: number } {
  expect(error).toBeInstanceOf(QrLoginError);
  const shape: { name: string; code: string; message: string; retryAfterSeconds?: number } = {
    name: error.name,
    code: error.code,
    message: error.message,
  };
  if (error.retryAfterSeconds !== undefined) shape.retryAfterSeconds = error.retryAfterSeconds;
  return shape;
}

describe('qrErrors', () => {
  it('gives each refusal without arguments its code and its fixed message', () => {
    const cases: [QrLoginError, string, string][] = [
      [qrErrors.notFound(), 'QR_NOT_FOUND', 'No QR code has this id. Create a new one with POST /qrcodes.'],
      [
        qrErrors.userCodeNotFound(),
        'QR_USER_CODE_NOT_FOUND',
        'No live login code has this user code: check it against the screen (8 letters such as WDJB-MJHT), or show a new code there.',
      ],
      [qrErrors.expired(), 'QR_EXPIRED', 'This QR code has expired. Show a new one (POST /qrcodes) and scan again.'],
      [qrErrors.alreadyScanned(), 'QR_ALREADY_SCANNED', 'This QR code was already scanned by another user.'],
      [qrErrors.notScanner(), 'QR_NOT_SCANNER', 'Only the user who scanned this QR code may confirm or cancel it.'],
      [
        qrErrors.appUserUnauthenticated(),
        'QR_APP_USER_UNAUTHENTICATED',
        'The app-side actions need a logged-in app user: send the app access token as "Authorization: Bearer <token>".',
      ],
      [
        qrErrors.ticketMissing(),
        'QR_TICKET_MISSING',
        'Send the ticket of an AUTHORIZED QR code as "ticket" in the JSON body.',
      ],
      [qrErrors.ticketInvalid(), 'QR_TICKET_INVALID', 'This ticket is not valid. Start a new QR login.'],
      [
        qrErrors.ticketExpired(),
        'QR_TICKET_EXPIRED',
        'This ticket has expired; redeem tickets as soon as the code is AUTHORIZED.',
      ],
      [qrErrors.ticketUsed(), 'QR_TICKET_USED', 'This ticket was already redeemed; a ticket works once.'],
      [
        qrErrors.creatorSecretRequired(),
        'QR_CREATOR_SECRET_REQUIRED',
        'Only the browser that created the QR code may redeem its ticket: send its cookie, or its creatorSecret in the x-qr-login-secret header.',
      ],
      [
        qrErrors.dpopProofRequired(),
        'QR_DPOP_PROOF_REQUIRED',
        'This QR code is bound to the key of the browser that created it: send a DPoP header (RFC 9449) signed by that key; its cookie or creatorSecret alone is not enough.',
      ],
      [
        qrErrors.dpopKeyMismatch(),
        'QR_DPOP_KEY_MISMATCH',
        'The DPoP proof is signed by another key than the one this QR code (or token) is bound to; sign with the key that created it.',
      ],
      [
        qrErrors.userRefused(),
        'QR_USER_REFUSED',
        'The confirmed user could not be loaded (loadUser returned nothing); the account may be disabled.',
      ],
      [
        qrErrors.matchFailed(),
        'QR_MATCH_FAILED',
        'The number picked does not match the one on the login page, so this QR code was cancelled. Scan a new one and pick the number the page shows.',
      ],
      [
        qrErrors.userCodeRequired(),
        'QR_USER_CODE_REQUIRED',
        'This code signs in a device and is reached only through the user code shown on that device: ' +
          'type the code (POST /<prefix>/user-codes/scan, then user-codes/confirm or user-codes/cancel), never its id.',
      ],
      [
        qrErrors.userCodeMatchRequired(),
        'QR_MATCH_REQUIRED',
        'This device code came by a link: send the user code the device shows, picked from "matchChoices", as "matchCode" to confirm.',
      ],
      [
        qrErrors.userCodeMatchFailed(),
        'QR_MATCH_FAILED',
        'The code picked is not the one on the device, so this sign-in was cancelled. If the device is in front of you, start again there.',
      ],
      [
        qrErrors.matchRequired(),
        'QR_MATCH_REQUIRED',
        'Send the number shown on the login page as "matchCode" to confirm (number matching is on).',
      ],
      [
        qrErrors.riskDenied(),
        'QR_RISK_DENIED',
        'This login was refused for safety: the page asking to log in looks like it is not where you are, so the code was cancelled. ' +
          'If it is your own screen, reload it and scan the new code from the same place.',
      ],
      [
        qrErrors.storeUnavailable(),
        'QR_STORE_UNAVAILABLE',
        'The QR login store is unreachable right now; retry in a moment.',
      ],
    ];
    for (const [error, code, message] of cases) {
      expect(shapeOf(error)).toStrictEqual({ name: 'QrLoginError', code, message });
    }
  });

  it('writes the status and the action into a wrong-state refusal, and says to scan first only for actions after SCAN', () => {
    expect(shapeOf(qrErrors.wrongState('AUTHORIZED', 'SCAN'))).toStrictEqual({
      name: 'QrLoginError',
      code: 'QR_WRONG_STATE',
      message:
        'Cannot SCAN a QR code whose status is AUTHORIZED. CONFIRM and CANCEL follow a SCAN, and nothing follows AUTHORIZED or CANCELLED.',
    });
    expect(qrErrors.wrongState('PENDING', 'CONFIRM').message).toBe(
      'Cannot CONFIRM a QR code whose status is PENDING. SCAN it first; CONFIRM and CANCEL follow a SCAN, and nothing follows AUTHORIZED or CANCELLED.',
    );
  });

  it('passes the words and the code it is given for validation and DPoP refusals', () => {
    expect(shapeOf(qrErrors.validation('"x" is wrong'))).toStrictEqual({
      name: 'QrLoginError',
      code: 'QR_VALIDATION_FAILED',
      message: '"x" is wrong',
    });
    expect(shapeOf(qrErrors.dpop(QrLoginErrorCode.DPOP_REPLAYED, 'used'))).toStrictEqual({
      name: 'QrLoginError',
      code: 'QR_DPOP_REPLAYED',
      message: 'used',
    });
  });

  it('names the field and the limit of a payload that is too large', () => {
    expect(shapeOf(qrErrors.payloadTooLarge('customData', 4096))).toStrictEqual({
      name: 'QrLoginError',
      code: 'QR_PAYLOAD_TOO_LARGE',
      message: '"customData" is larger than 4096 bytes of JSON; keep it small or raise the maxCustomDataBytes option.',
    });
  });

  it('carries the seconds to wait in both the message and retryAfterSeconds', () => {
    expect(shapeOf(qrErrors.rateLimited(7))).toStrictEqual({
      name: 'QrLoginError',
      code: 'QR_RATE_LIMITED',
      message: 'Too many requests; try again in 7 s.',
      retryAfterSeconds: 7,
    });
    expect(shapeOf(qrErrors.storeFull(3))).toStrictEqual({
      name: 'QrLoginError',
      code: 'QR_STORE_FULL',
      message:
        "This server holds as many live QR codes as it may; try again in 3 s, or raise the memory store's maxCodes (or use a shared store).",
      retryAfterSeconds: 3,
    });
  });

  it('sets no retryAfterSeconds on refusals that have no wait', () => {
    expect(qrErrors.notFound().retryAfterSeconds).toBeUndefined();
    expect(new QrLoginError(QrLoginErrorCode.NOT_FOUND, 'x', {}).retryAfterSeconds).toBeUndefined();
  });

  it('quotes the refused origin, cut to 200 characters, or says none was sent', () => {
    expect(shapeOf(qrErrors.originNotAllowed('https://evil.example'))).toStrictEqual({
      name: 'QrLoginError',
      code: 'QR_ORIGIN_NOT_ALLOWED',
      message:
        'QR codes cannot be created from "https://evil.example": add that origin to the allowedOrigins option if the page is yours.',
    });
    const long = `https://${'a'.repeat(300)}`;
    expect(qrErrors.originNotAllowed(long).message).toBe(
      `QR codes cannot be created from "${long.slice(0, 200)}": add that origin to the allowedOrigins option if the page is yours.`,
    );
    expect(qrErrors.originNotAllowed(undefined).message).toBe(
      'QR codes can only be created from a page on the allowedOrigins list, and this request carried no Origin header; create codes from the browser page.',
    );
  });
});

describe('the other error classes', () => {
  it('prefix a configuration error and name it', () => {
    const error = new QrLoginConfigError('"x" is wrong.');
    expect([error.name, error.message]).toStrictEqual([
      'QrLoginConfigError',
      'QrLoginModule is misconfigured: "x" is wrong.',
    ]);
    expect(error).toBeInstanceOf(Error);
  });

  it('name a store outage and keep its cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new QrLoginStoreUnavailableError('down', { cause });
    expect([error.name, error.message, error.cause]).toStrictEqual(['QrLoginStoreUnavailableError', 'down', cause]);
  });

  it('name a full store and keep the wait in ms', () => {
    const error = new QrLoginStoreFullError('full', 1500);
    expect([error.name, error.message, error.retryAfterMs]).toStrictEqual(['QrLoginStoreFullError', 'full', 1500]);
  });
});
