import { context, propagation, trace } from "@opentelemetry/api";
import type { AnyElysia } from "elysia";
import { PROBE_PATHS } from "../identity";
import { RedactingSpanProcessor } from "./redacting-span-processor";
import { type Spans, tracerSpans, withoutSpans } from "./spans";

export interface Tracing {
  spans: Spans;
  /** @elysiajs/opentelemetry, set up to use our provider: the request's root span and its lifecycle. */
  plugin?: AnyElysia;
  /** Exports what is buffered and stops the exporter; called at shutdown. */
  shutdown(): Promise<void>;
}

export const withoutTracing: Tracing = { spans: withoutSpans, shutdown: async () => {} };

const UNTRACED = new Set<string>(Object.values(PROBE_PATHS));

/**
 * Our own provider, registered before @elysiajs/opentelemetry loads, so the plugin does not
 * start a NodeSDK of its own: OTLP/HTTP to `<endpoint>/v1/traces` through a batch processor.
 * OpenTelemetry's API is process-global by design; this is the one place that sets it. The SDK
 * and the plugin (which pulls in the whole Node SDK) load only when tracing is on: a copy without
 * an endpoint never evaluates them.
 */
export async function startTracing(options: { endpoint?: string; serviceName: string; version: string }): Promise<Tracing> {
  if (!options.endpoint) return withoutTracing;
  const [
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
    { OTLPTraceExporter },
    { resourceFromAttributes },
    { BasicTracerProvider, BatchSpanProcessor },
  ] = await Promise.all([
    import("@opentelemetry/context-async-hooks"),
    import("@opentelemetry/core"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/sdk-trace-base"),
  ]);
  const exporter = new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/$/, "")}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName, "service.version": options.version }),
    spanProcessors: [new RedactingSpanProcessor(new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 }))],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const { opentelemetry } = await import("@elysiajs/opentelemetry");
  return {
    spans: tracerSpans(trace.getTracer(options.serviceName, options.version)),
    plugin: opentelemetry({
      serviceName: options.serviceName,
      checkIfShouldTrace: (request) => !UNTRACED.has(new URL(request.url).pathname),
    }),
    shutdown: () => provider.shutdown(),
  };
}
