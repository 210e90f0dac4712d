import { HttpStatus } from '@nestjs/common';
import { QrLoginErrorCode, QrLoginException } from '../kernel/qr-login.errors';

/** The errors of the risk checks, each message written once. */
export const qrRiskErrors = {
  /** The policy said `deny`; the caller has cancelled the code with `cancelReason: 'RISK_DENIED'`. */
  riskDenied: () =>
    new QrLoginException(
      HttpStatus.FORBIDDEN,
      QrLoginErrorCode.RISK_DENIED,
      'This login was refused for safety: the page asking to log in looks like it is not where you are, so the code was cancelled. ' +
        'If it is your own screen, reload it and scan the new code from the same place.',
    ),
  /** A create from a page that is not on `allowedOrigins`, or without an Origin while `requireOrigin` is on. */
  originNotAllowed: (origin: string | undefined) =>
    new QrLoginException(
      HttpStatus.FORBIDDEN,
      QrLoginErrorCode.ORIGIN_NOT_ALLOWED,
      origin
        ? `QR codes cannot be created from ${JSON.stringify(origin.slice(0, 200))}: add that origin to the allowedOrigins option if the page is yours.`
        : 'QR codes can only be created from a page on the allowedOrigins list, and this request carried no Origin header; create codes from the browser page.',
    ),
};
