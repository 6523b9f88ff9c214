/**
 * Users get UUIDv7 ids: the first 48 bits are the creation time in Unix milliseconds. The time
 * an id claims bounds when its user can have been written, which is what read-your-writes on a
 * replica needs to know; ids of any other version were not made by this service.
 */
export function newUserId(nowMs: number): string {
  return Bun.randomUUIDv7("hex", nowMs);
}

/** The creation time a UUIDv7 carries, or undefined for any other kind of UUID. */
export function userIdTimeMs(id: string): number | undefined {
  if (id.length !== 36 || id[14] !== "7") return undefined;
  const variant = Number.parseInt(id[19] ?? "", 16);
  if (!(variant >= 8 && variant <= 11)) return undefined;
  const ms = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  return Number.isFinite(ms) ? ms : undefined;
}
