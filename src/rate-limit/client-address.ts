import { isIP } from "node:net";

/** `203.0.113.7:51234` or `[2001:db8::1]:443`, as some proxies write: the address without its port. */
function withoutPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed?.[1]) return bracketed[1];
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  return v4WithPort?.[1] ?? entry;
}

/** The eight groups of an IPv6 address, `::` expanded; undefined for anything else. */
function ipv6Groups(address: string): string[] | undefined {
  const [head = "", tail] = address.split("::");
  const parts = (text: string) => (text ? text.split(":") : []);
  const groups =
    tail === undefined ? parts(head) : [...parts(head), ...Array(8 - parts(head).length - parts(tail).length).fill("0"), ...parts(tail)];
  return groups.length === 8 ? groups : undefined;
}

/**
 * The key one client is limited under. An IPv4 address as it is (an IPv4-mapped IPv6 address
 * folded into it). An IPv6 address by its /64: a single host is handed a whole /64 and can
 * rotate through it, so a per-address key would give it a fresh bucket per request.
 */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (isIP(address) !== 6) return address;
  const groups = ipv6Groups(address.toLowerCase().replace(/%.*$/, ""));
  return groups
    ? `${groups
        .slice(0, 4)
        .map((group) => group.replace(/^0+(?=.)/, ""))
        .join(":")}::/64`
    : address;
}

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
      const entry = withoutPort(hops[hops.length - trustedProxies]?.trim() ?? "");
      if (entry && isIP(entry)) return clientKey(entry);
    }
  }
  return socketAddress ? clientKey(socketAddress) : "unknown";
}
