/*
 * `nestjs-qr-login/redis`: the Redis store and rate limiter. Its own entry,
 * so apps that do not use Redis never need the `ioredis` types.
 */
export {
  RedisQrLoginStore,
  type RedisQrLoginClusterOptions,
  type RedisQrLoginPubSub,
  type RedisQrLoginStoreOptions,
} from './redis-qr-login.store';
export { RedisQrLoginRateLimiter, type RedisQrLoginRateLimiterOptions } from './redis-rate-limiter';
