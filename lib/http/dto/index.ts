export * from './create-qr-code.dto';
export * from './redeem-ticket.dto';
export * from './confirm-qr-code.dto';
export * from './qr-login-responses.dto';
