import type { Socket, TCPSocketListener } from "bun";

type Side = { peer?: Socket<Side>; pending: Uint8Array[] };

/**
 * A TCP relay from 127.0.0.1:`from` to 127.0.0.1:`to`. `cut()` stops listening and drops every
 * connection in both directions at once: to the service, the database is gone.
 */
export function startRelay(from: number, to: number) {
  const sockets = new Set<Socket<Side>>();
  const listener: TCPSocketListener<Side> = Bun.listen<Side>({
    hostname: "127.0.0.1",
    port: from,
    socket: {
      open(client) {
        client.data = { pending: [] };
        sockets.add(client);
        void Bun.connect<Side>({
          hostname: "127.0.0.1",
          port: to,
          socket: {
            open(server) {
              sockets.add(server);
              server.data = { peer: client, pending: [] };
              client.data.peer = server;
              for (const chunk of client.data.pending) server.write(chunk);
            },
            data(server, chunk) {
              server.data.peer?.write(chunk);
            },
            close(server) {
              sockets.delete(server);
              server.data.peer?.end();
            },
          },
        }).catch(() => client.end());
      },
      data(client, chunk) {
        if (client.data.peer) client.data.peer.write(chunk);
        else client.data.pending.push(new Uint8Array(chunk));
      },
      close(client) {
        sockets.delete(client);
        client.data.peer?.end();
      },
    },
  });
  return {
    url: (database: string) => `postgres://postgres@127.0.0.1:${from}/${database}`,
    cut() {
      listener.stop(true);
      for (const socket of sockets) socket.terminate();
      sockets.clear();
    },
  };
}

export interface Answer {
  status: number;
  body: string;
  headers: Headers;
  ms: number;
}

/** A POST /signup with a JSON body; the answer read whole, or the network error. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}, timeoutMs = 15_000): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(`${url}/signup`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  return { status: response.status, body: text, headers: response.headers, ms: performance.now() - started };
}

/** Is this answer a well-formed RFC 9457 problem for `status`, with no stack trace in it? */
export function problemIssues(answer: Answer, status: number): string[] {
  const issues: string[] = [];
  if (answer.status !== status) issues.push(`status ${answer.status}, expected ${status}: ${answer.body.slice(0, 300)}`);
  if (answer.headers.get("content-type") !== "application/problem+json") issues.push(`content-type ${answer.headers.get("content-type")}`);
  try {
    const problem = JSON.parse(answer.body) as { status?: unknown; type?: unknown };
    if (problem.status !== answer.status) issues.push(`problem.status ${String(problem.status)}`);
    if (typeof problem.type !== "string") issues.push("no problem.type");
  } catch {
    issues.push(`body is not JSON: ${answer.body.slice(0, 300)}`);
  }
  if (/\n\s+at |stack|\.ts:\d+/.test(answer.body)) issues.push(`stack trace in body: ${answer.body.slice(0, 300)}`);
  return issues;
}

/**
 * Sends `body` under `key` until it gets a 201 (fresh or replayed), honouring Retry-After on a
 * 409 in progress and on a 503, for at most `deadlineMs`. Returns every answer it saw.
 */
export async function retryUntilCreated(url: string, key: string, body: unknown, deadlineMs = 30_000) {
  const answers: Answer[] = [];
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    let answer: Answer;
    try {
      answer = await postJson(url, body, { "idempotency-key": key });
    } catch {
      await Bun.sleep(200);
      continue;
    }
    answers.push(answer);
    if (answer.status === 201) return { created: answer, answers };
    const retryAfter = Number(answer.headers.get("retry-after"));
    if (!(answer.status === 409 || answer.status === 503) || !(retryAfter >= 1)) return { created: undefined, answers };
    await Bun.sleep(Math.min(retryAfter, 5) * 1000);
  }
  return { created: undefined, answers };
}
