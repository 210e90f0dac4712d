import type * as OpenTelemetryApi from '@opentelemetry/api';
import { requireOptionalPeer } from '../kernel/qr-login.optional-peer';

/**
 * `@opentelemetry/api`, an optional peer, loaded only when the telemetry
 * module needs it (a global provider, or spans, which need its context
 * functions): apps that do not import the module pay nothing.
 * @internal
 */
export function loadOpenTelemetryApi(): typeof OpenTelemetryApi {
  return requireOptionalPeer(
    () => require('@opentelemetry/api'),
    '@opentelemetry/api',
    'QrLoginTelemetryModule needs the "@opentelemetry/api" package for spans and for the global meter and tracer ' +
      'providers, and it is not installed. Run `npm install @opentelemetry/api` (and an OpenTelemetry SDK), ' +
      'or pass `meterProvider` and `spans: false` to QrLoginTelemetryModule.forRoot() for metrics alone.',
  );
}
