export * from './qr-code.interface';
export * from './qr-login-options.interface';
export * from './qr-login-store.interface';
export * from './qr-login-views.interface';
export * from './qr-login-events.interface';
export * from './qr-login-security-options.interface';
export * from './qr-code-type-handler.interface';
export * from './qr-login-rate-limiter.interface';
