/**
 * The names the outside world relies on: the service's name (in logs, traces, the database's
 * application_name, /health) and the paths of its probes (registered by health/, left out of
 * traces and, unless LOG_PROBES, of the access log; polled by orchestrators and the harness).
 */
export const SERVICE_NAME = "signup-service";

export const PROBE_PATHS = { health: "/health", ready: "/ready", metrics: "/metrics" } as const;
