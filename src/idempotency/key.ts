import { ProblemError } from "../http/problem";

const VISIBLE_ASCII = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` as the IETF draft sends it (a quoted structured-field string) or bare.
 * Both spell the same key. Returns undefined when the header is absent.
 */
export function parseIdempotencyKey(header: string | null): string | undefined {
  if (header === null) return undefined;
  const quoted = header.startsWith('"') || header.endsWith('"');
  const key = quoted ? header.slice(1, -1) : header;
  const wellQuoted = !quoted || (header.length >= 3 && header.startsWith('"') && header.endsWith('"'));
  if (!VISIBLE_ASCII.test(key) || !wellQuoted || key.includes('"')) {
    throw new ProblemError(
      400,
      "invalid-idempotency-key",
      "Invalid Idempotency-Key",
      "Idempotency-Key must be 1-255 visible ASCII characters other than a double quote, optionally in double quotes",
    );
  }
  return key;
}
