import type { Server } from "bun";

/** An OTLP/JSON attribute value, as @opentelemetry/exporter-trace-otlp-http sends it. */
interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  bytesValue?: string;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  attributes?: KeyValue[];
  events?: { name: string; attributes?: KeyValue[] }[];
  status?: { message?: string };
}
interface OtlpExport {
  resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

function valueText(value: AnyValue | undefined): string {
  if (value === undefined) return "";
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return String(value.intValue);
  if (value.doubleValue !== undefined) return String(value.doubleValue);
  if (value.boolValue !== undefined) return String(value.boolValue);
  if (value.bytesValue !== undefined) return Buffer.from(value.bytesValue, "base64").toString("latin1");
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(valueText).join("\n");
  if (value.kvlistValue) return (value.kvlistValue.values ?? []).map((kv) => `${kv.key}=${valueText(kv.value)}`).join("\n");
  return JSON.stringify(value);
}

export const attributesOf = (list: KeyValue[] | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).map((kv) => [kv.key, valueText(kv.value)]));

/** A span as received, with its resource's attributes (service.name...). */
export interface ReceivedSpan extends OtlpSpan {
  resource: Record<string, string>;
}

/** Every attribute, event name, event attribute and status message of a span, decoded, with where it was. */
export function spanValues(span: OtlpSpan): { where: string; text: string }[] {
  return [
    ...(span.attributes ?? []).map((kv) => ({ where: `span "${span.name}" attribute ${kv.key}`, text: valueText(kv.value) })),
    ...(span.events ?? []).flatMap((event) => [
      { where: `span "${span.name}" event name`, text: event.name },
      ...(event.attributes ?? []).map((kv) => ({
        where: `span "${span.name}" event "${event.name}" attribute ${kv.key}`,
        text: valueText(kv.value),
      })),
    ]),
    { where: `span "${span.name}" status message`, text: span.status?.message ?? "" },
  ];
}

/** A Bun.serve OTLP/HTTP receiver on 127.0.0.1 (any free port) that keeps every export it is sent. */
export function startOtlpReceiver() {
  const exports: { contentType: string; text: string; payload: OtlpExport }[] = [];
  const rejected: string[] = [];
  const server: Server<undefined> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (request.method !== "POST" || path !== "/v1/traces") {
        rejected.push(`${request.method} ${path}`);
        return new Response("not found", { status: 404 });
      }
      let bytes = new Uint8Array(await request.arrayBuffer());
      if (request.headers.get("content-encoding") === "gzip") bytes = Bun.gunzipSync(bytes);
      const contentType = request.headers.get("content-type") ?? "";
      const text = new TextDecoder().decode(bytes);
      let payload: OtlpExport = {};
      try {
        payload = JSON.parse(text) as OtlpExport;
      } catch {
        rejected.push(`not JSON: ${contentType} (${bytes.length} bytes)`);
      }
      exports.push({ contentType, text, payload });
      return Response.json({});
    },
  });
  const spans = (): ReceivedSpan[] =>
    exports.flatMap(({ payload }) =>
      (payload.resourceSpans ?? []).flatMap((resourceSpans) => {
        const resource = attributesOf(resourceSpans.resource?.attributes);
        return (resourceSpans.scopeSpans ?? []).flatMap((scope) => (scope.spans ?? []).map((span) => ({ ...span, resource })));
      }),
    );
  return { server, exports, rejected, spans, url: `http://127.0.0.1:${server.port}` };
}
