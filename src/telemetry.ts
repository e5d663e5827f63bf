/**
 * OpenTelemetry: the code creates spans through @opentelemetry/api everywhere (a no-op without an
 * SDK); the SDK and OTLP exporter are loaded only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export interface Telemetry {
  shutdown(): Promise<void>;
}

export async function startTelemetry(env = process.env): Promise<Telemetry | undefined> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const sdk = new NodeSDK({ serviceName: env.OTEL_SERVICE_NAME ?? 'needtoknow', traceExporter: new OTLPTraceExporter() });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
