import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { QrLoginTelemetryModule } from '../../lib/telemetry';
import { ObservabilityController } from './observability.controller';
import { PROMETHEUS_EXPORTER, PROMETHEUS_SERIALIZER } from './observability.constants';

/**
 * The sample's metrics and health: the QR login telemetry recorded by an
 * OpenTelemetry meter provider of its own, read by a Prometheus exporter that
 * starts no server of its own (`preventServerStart`): the app serves
 * `/metrics` and `/health` on its own port. A provider per app rather than the
 * global one, so two apps in one process (as in the tests) keep apart.
 */
@Module({})
export class ObservabilityModule {
  static forRoot(): DynamicModule {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const meterProvider = new MeterProvider({ readers: [exporter] });
    return {
      module: ObservabilityModule,
      imports: [
        // Spans need an OpenTelemetry SDK with an exporter (OTLP to a collector); metrics alone here.
        QrLoginTelemetryModule.forRoot({ meterProvider, spans: false }),
        TerminusModule.forRoot({ logger: false }),
      ],
      providers: [
        { provide: PROMETHEUS_EXPORTER, useValue: exporter },
        { provide: PROMETHEUS_SERIALIZER, useValue: new PrometheusSerializer() },
      ],
      controllers: [ObservabilityController],
    };
  }
}
