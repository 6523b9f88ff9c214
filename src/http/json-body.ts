import { ProblemError } from "./problem";

export const MAX_BODY_BYTES = 64 * 1024;

const isJsonMediaType = (contentType: string) => {
  const mediaType = contentType.split(";", 1)[0]!.trim().toLowerCase();
  return mediaType === "application/json" || (mediaType.startsWith("application/") && mediaType.endsWith("+json"));
};

/**
 * Elysia body parser for JSON-only routes: 415 for another media type, 413 past the size
 * limit (Bun.serve enforces the same limit on the socket), 400 for malformed JSON.
 */
export async function parseJsonBody({ request }: { request: Request }): Promise<unknown> {
  if (!isJsonMediaType(request.headers.get("content-type") ?? "")) {
    throw new ProblemError(415, "unsupported-media-type", "Unsupported Media Type", "Send the body as application/json");
  }
  const tooLarge = () =>
    new ProblemError(413, "payload-too-large", "Payload Too Large", `The body must be at most ${MAX_BODY_BYTES} bytes`);
  if (Number(request.headers.get("content-length")) > MAX_BODY_BYTES) throw tooLarge();
  const bytes = await request.arrayBuffer();
  if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new ProblemError(400, "malformed-json", "Malformed JSON", "The body is not valid UTF-8 JSON");
  }
}
