export * from './memory-qr-login.store';
export * from './redis-qr-login.store';
