import { Controller, Get, Header, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { ApiExcludeController } from '@nestjs/swagger';
import type { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { QrLoginStoreHealthIndicator } from '../../lib/telemetry';
import { PROMETHEUS_EXPORTER, PROMETHEUS_SERIALIZER } from './observability.constants';

/**
 * What a Prometheus server scrapes (`GET /metrics`, the text format) and what
 * a load balancer or Kubernetes probes (`GET /health`: 200 while the store
 * answers, 503 with the reason when it does not). Served by the app itself,
 * on either adapter: no second port.
 */
@ApiExcludeController()
@Controller()
export class ObservabilityController {
  constructor(
    @Inject(PROMETHEUS_EXPORTER) private readonly exporter: PrometheusExporter,
    @Inject(PROMETHEUS_SERIALIZER) private readonly serializer: PrometheusSerializer,
    private readonly health: HealthCheckService,
    private readonly store: QrLoginStoreHealthIndicator,
  ) {}

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('cache-control', 'no-store')
  async metrics(): Promise<string> {
    const { resourceMetrics } = await this.exporter.collect();
    return this.serializer.serialize(resourceMetrics);
  }

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.store.isHealthy()]);
  }
}
