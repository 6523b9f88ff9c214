/** One raw HTTP/1.1 exchange over TCP: what a client that no library tidies up would send. */
export async function rawRequest(url: string, bytes: string, waitMs = 2000) {
  const { hostname, port } = new URL(url);
  const received = Promise.withResolvers<string>();
  let text = "";
  const socket = await Bun.connect({
    hostname,
    port: Number(port),
    socket: {
      data(_socket, chunk) {
        text += chunk.toString();
      },
      close() {
        received.resolve(text);
      },
      error() {
        received.resolve(text);
      },
    },
  });
  socket.write(bytes);
  const raw = await Promise.race([received.promise, Bun.sleep(waitMs).then(() => text)]);
  socket.end();
  const [head = "", ...rest] = raw.split("\r\n\r\n");
  const [statusLine = "", ...headerLines] = head.split("\r\n");
  const headers = new Headers(
    headerLines.map((line) => [line.slice(0, line.indexOf(":")).trim(), line.slice(line.indexOf(":") + 1).trim()] as [string, string]),
  );
  return { status: Number(statusLine.split(" ")[1] ?? 0), headers, body: rest.join("\r\n\r\n") };
}
