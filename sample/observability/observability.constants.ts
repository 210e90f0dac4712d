/** The sample's Prometheus reader (an OpenTelemetry metric reader that collects on each scrape). */
export const PROMETHEUS_EXPORTER = 'SAMPLE:PROMETHEUS_EXPORTER';
/** Writes collected metrics in Prometheus's text format. */
export const PROMETHEUS_SERIALIZER = 'SAMPLE:PROMETHEUS_SERIALIZER';
