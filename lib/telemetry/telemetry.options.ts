import type { MeterProvider, TracerProvider } from '@opentelemetry/api';

/** Settings of `QrLoginTelemetryModule.forRoot()`; every one is optional. */
export interface QrLoginTelemetryOptions {
  /** Where the metrics go. Default: OpenTelemetry's global meter provider (what the app's SDK registered). */
  meterProvider?: MeterProvider;
  /** Where the spans go. Default: OpenTelemetry's global tracer provider. */
  tracerProvider?: TracerProvider;
  /** The `qr_login.store` attribute. Default: from the store's class (`memory`, `redis`, `postgres`), else `custom`. */
  storeName?: string;
  /** Spans per action (`false`: metrics only). Default `true`. */
  spans?: boolean;
}

/** The injection token of the options given to `QrLoginTelemetryModule.forRoot()`. */
export const QR_LOGIN_TELEMETRY_OPTIONS = 'QR_LOGIN:TELEMETRY_OPTIONS';
