/*
 * `nestjs-qr-login/telemetry`: OpenTelemetry metrics and spans of every
 * login (`@opentelemetry/api`, an optional peer) and a `@nestjs/terminus`
 * health indicator of the store. See docs/telemetry.md.
 */
export { QrLoginTelemetryModule } from './telemetry.module';
export { QrLoginTelemetry } from './qr-login.telemetry';
export { QrLoginStoreHealthIndicator, QR_LOGIN_HEALTH_TIMEOUT_MS } from './store-health.indicator';
export { QR_LOGIN_TELEMETRY_OPTIONS, type QrLoginTelemetryOptions } from './telemetry.options';
export {
  QR_LOGIN_METRICS,
  QR_LOGIN_SPANS,
  QR_LOGIN_INSTRUMENTATION_SCOPE,
  QR_LOGIN_DURATION_BUCKETS_S,
} from './telemetry.names';
export { QrLoginTracing } from './telemetry.tracing';
export { QR_LOGIN_ATTRIBUTES, hashOfCodeId } from './telemetry.attributes';
