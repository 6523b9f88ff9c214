const TIMEOUT_MS = 2000;

/**
 * `healthcheck`: GETs this service's own /health on PORT and answers with the exit code, for
 * images that have no curl. It reads only PORT, so a half-valid environment cannot mask the answer.
 */
export async function healthcheck(port: string | undefined): Promise<number> {
  const url = `http://127.0.0.1:${port || "8000"}/health`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = (await response.json()) as { status?: string };
    if (response.ok && body.status === "healthy") {
      console.log(`healthy: ${url}`);
      return 0;
    }
    console.error(`unhealthy: ${url} answered ${response.status}`);
  } catch (error) {
    console.error(`unhealthy: ${url}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return 1;
}
