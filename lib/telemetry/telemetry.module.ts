import { Module, type DynamicModule } from '@nestjs/common';
import { QR_LOGIN_INSTRUMENTATION } from '../plugin';
import { QrLoginTelemetry } from './qr-login.telemetry';
import { QrLoginStoreHealthIndicator } from './store-health.indicator';
import { QR_LOGIN_TELEMETRY_OPTIONS, type QrLoginTelemetryOptions } from './telemetry.options';
import { QrLoginTracing } from './telemetry.tracing';

/**
 * OpenTelemetry metrics and spans of every login, and a health indicator of
 * the store: import `QrLoginTelemetryModule.forRoot()` beside `QrLoginModule`.
 * Without `meterProvider` / `tracerProvider` it records into OpenTelemetry's
 * global providers (`@opentelemetry/api`, an optional peer, is then required).
 * It is global because the kernel finds its instrumentation
 * (`QR_LOGIN_INSTRUMENTATION`, the spans) among the app's global providers.
 */
@Module({})
export class QrLoginTelemetryModule {
  static forRoot(options: QrLoginTelemetryOptions = {}): DynamicModule {
    return {
      module: QrLoginTelemetryModule,
      global: true,
      providers: [
        { provide: QR_LOGIN_TELEMETRY_OPTIONS, useValue: options },
        QrLoginTracing,
        { provide: QR_LOGIN_INSTRUMENTATION, useExisting: QrLoginTracing },
        QrLoginTelemetry,
        QrLoginStoreHealthIndicator,
      ],
      exports: [QR_LOGIN_INSTRUMENTATION, QrLoginTelemetry, QrLoginStoreHealthIndicator],
    };
  }
}
