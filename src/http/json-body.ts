import { ProblemError } from "./problem";

const MAX_BODY_BYTES = 64 * 1024;

const isJsonMediaType = (contentType: string) => {
  const mediaType = contentType.split(";", 1)[0]!.trim().toLowerCase();
  return mediaType === "application/json" || (mediaType.startsWith("application/") && mediaType.endsWith("+json"));
};

const tooLarge = () => new ProblemError(413, "payload-too-large", "Payload Too Large", `The body must be at most ${MAX_BODY_BYTES} bytes`);

/**
 * The body, refused with a 413 as soon as it is over the limit: a declared length is checked
 * before anything is read, and a chunked body is read only up to the limit. This reader, not
 * Bun.serve's `maxRequestBodySize`, bounds bodies, so an oversized one gets a problem answer.
 */
async function readBody(request: Request): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    if (Number(declared) > MAX_BODY_BYTES) throw tooLarge();
    // The server frames the body by its declared length: it cannot be longer.
    return new Uint8Array(await request.arrayBuffer());
  }
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    size += chunk.value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks);
}

/** Elysia body parser for JSON-only routes: 415 for another media type, 413 past the size limit, 400 for malformed JSON. */
export async function parseJsonBody(request: Request): Promise<unknown> {
  if (!isJsonMediaType(request.headers.get("content-type") ?? "")) {
    throw new ProblemError(415, "unsupported-media-type", "Unsupported Media Type", "Send the body as application/json");
  }
  const bytes = await readBody(request);
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new ProblemError(400, "malformed-json", "Malformed JSON", "The body is not valid UTF-8 JSON");
  }
}
