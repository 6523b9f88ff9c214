import type { Metric, MetricValue, MetricValueWithName, Registry } from "prom-client";

interface Series<Labels> {
  labels: Labels;
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  buckets: number[];
  sum: number;
}

type LabelSet = Record<string, string>;

/**
 * A Prometheus histogram kept as plain numbers per label set and handed to prom-client when it is
 * scraped. prom-client's own `observe` (a labelled child's too) hashes and validates the labels on
 * every call: a fifth of the CPU of a /health request, measured with a profiler. An observation
 * names its series by a string key, and `labelsOf(key)` gives that series' labels the first time
 * the key is seen. `counter` also renders the observations' count as a counter under its own name
 * (the seed's `http_requests_total`).
 */
export function plainHistogram<Labels extends LabelSet>(
  registry: Registry,
  options: {
    name: string;
    help: string;
    upperBounds: number[];
    labelsOf: (key: string) => Labels;
    counter?: { name: string; help: string };
  },
) {
  const { name, upperBounds, labelsOf } = options;
  const all: Series<Labels>[] = [];
  const byKey = new Map<string, Series<Labels>>();

  const histogramValues = (): MetricValueWithName<string>[] =>
    all.flatMap(({ labels, buckets, sum }) => {
      let cumulative = 0;
      const lines = buckets.map((count, index) => {
        cumulative += count;
        const le = index < upperBounds.length ? String(upperBounds[index]) : "+Inf";
        return { metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative };
      });
      return [...lines, { metricName: `${name}_sum`, labels, value: sum }, { metricName: `${name}_count`, labels, value: cumulative }];
    });

  const counterValues = (): MetricValue<string>[] =>
    all.map(({ labels, buckets }) => ({ labels, value: buckets.reduce((total, count) => total + count, 0) }));

  const collector = (metricName: string, help: string, type: "histogram" | "counter", values: () => MetricValue<string>[]) => {
    const get = async () => ({ name: metricName, help, type, aggregator: "sum", values: values() });
    // prom-client renders any registered object with these fields (its typings call `type` an
    // enum, but it writes the string into `# TYPE`): a full Metric class is not needed.
    registry.registerMetric({ name: metricName, help, type, aggregator: "sum", get } as unknown as Metric<string>);
  };
  collector(name, options.help, "histogram", histogramValues);
  if (options.counter) collector(options.counter.name, options.counter.help, "counter", counterValues);

  return function observe(key: string, seconds: number) {
    let entry = byKey.get(key);
    if (!entry) {
      entry = { labels: labelsOf(key), buckets: Array(upperBounds.length + 1).fill(0), sum: 0 };
      byKey.set(key, entry);
      all.push(entry);
    }
    let bucket = 0;
    while (bucket < upperBounds.length && seconds > upperBounds[bucket]!) bucket++;
    entry.buckets[bucket]!++;
    entry.sum += seconds;
  };
}

/** The seed's `http_request_duration_seconds` (histogram) and `http_requests_total` (counter), by method, route template and status. */
export function createRequestMetrics(registry: Registry, upperBounds: number[]) {
  const observe = plainHistogram(registry, {
    name: "http_request_duration_seconds",
    help: "HTTP request latency by method, route template and status",
    upperBounds,
    // The key is "<method> <route> <status>": neither a method nor a route template holds a space.
    labelsOf: (key) => {
      const [method = "", route = "", status = ""] = key.split(" ");
      return { method, route, status };
    },
    counter: { name: "http_requests_total", help: "HTTP requests by method, route template and status" },
  });
  return (method: string, route: string, status: number, seconds: number) => observe(`${method} ${route} ${status}`, seconds);
}
