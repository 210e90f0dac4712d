export * from './memory-qr-login.store';
