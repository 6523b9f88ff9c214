import { t } from "elysia";
import { ProblemError } from "../http/problem";

/** 1-255 visible ASCII characters other than a double quote, bare or in double quotes. */
const IDEMPOTENCY_KEY_PATTERN = '^(?:[!#-~]{1,255}|"[!#-~]{1,255}")$';

/** The header as the document states it; the parser below enforces exactly this. */
export const idempotencyKeySchema = t.String({ minLength: 1, maxLength: 257, pattern: IDEMPOTENCY_KEY_PATTERN });

const KEY = new RegExp(IDEMPOTENCY_KEY_PATTERN);

/**
 * `Idempotency-Key` as the IETF draft sends it (a quoted structured-field string) or bare.
 * Both spell the same key. Returns undefined when the header is absent.
 */
export function parseIdempotencyKey(header: string | null): string | undefined {
  if (header === null) return undefined;
  if (!KEY.test(header)) {
    throw new ProblemError(
      400,
      "invalid-idempotency-key",
      "Invalid Idempotency-Key",
      "Idempotency-Key must be 1-255 visible ASCII characters other than a double quote, optionally in double quotes",
    );
  }
  return header.startsWith('"') ? header.slice(1, -1) : header;
}
