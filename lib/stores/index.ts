export * from './memory-qr-login.store';
export * from './redis/redis-qr-login.store';
