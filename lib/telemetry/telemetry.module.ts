import { Module, type DynamicModule } from '@nestjs/common';
import { QrLoginTelemetry } from './qr-login.telemetry';
import { QrLoginStoreHealthIndicator } from './store-health.indicator';
import { QR_LOGIN_TELEMETRY_OPTIONS, type QrLoginTelemetryOptions } from './telemetry.options';

/**
 * OpenTelemetry metrics and spans of every login, and a health indicator of
 * the store: import `QrLoginTelemetryModule.forRoot()` beside `QrLoginModule`.
 * Without `meterProvider` / `tracerProvider` it records into OpenTelemetry's
 * global providers (`@opentelemetry/api`, an optional peer, is then required).
 */
@Module({})
export class QrLoginTelemetryModule {
  static forRoot(options: QrLoginTelemetryOptions = {}): DynamicModule {
    return {
      module: QrLoginTelemetryModule,
      providers: [
        { provide: QR_LOGIN_TELEMETRY_OPTIONS, useValue: options },
        QrLoginTelemetry,
        QrLoginStoreHealthIndicator,
      ],
      exports: [QrLoginTelemetry, QrLoginStoreHealthIndicator],
    };
  }
}
