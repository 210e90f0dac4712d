/*
 * `nestjs-qr-login/redis`: the Redis store and rate limiter. Its own entry,
 * so apps that do not use Redis never need the `ioredis` types.
 */
export { RedisQrLoginStore } from './redis-qr-login.store';
export type {
  RedisQrLoginClusterOptions,
  RedisQrLoginPubSub,
  RedisQrLoginStoreOptions,
} from './redis-qr-login.options';
export { RedisQrLoginRateLimiter, type RedisQrLoginRateLimiterOptions } from './redis-rate-limiter';
export { RedisQrLoginPasskeyStore, type RedisQrLoginPasskeyStoreOptions } from './redis-passkey.store';
