export * from './inject-qr-login-store.decorator';
