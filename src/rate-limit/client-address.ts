import { isIP } from "node:net";

/**
 * Who a request comes from, for the rate limit. Without trusted proxies: the socket's address
 * (X-Forwarded-For is the client's own writing). Behind `trustedProxies` proxies, each of which
 * appends the address it saw to X-Forwarded-For: the entry written by the outermost trusted one,
 * counted from the right. Entries to its left are the client's and never read, so a forged
 * first hop changes nothing. A missing or malformed entry falls back to the socket's address.
 */
export function clientAddress(request: Request, socketAddress: string | undefined, trustedProxies: number): string {
  if (trustedProxies > 0) {
    const forwarded = request.headers.get("x-forwarded-for");
    if (forwarded) {
      const hops = forwarded.split(",");
      const entry = hops[hops.length - trustedProxies]?.trim();
      if (entry && isIP(entry)) return entry;
    }
  }
  return socketAddress ?? "unknown";
}
