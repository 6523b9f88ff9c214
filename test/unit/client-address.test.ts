import { describe, expect, test } from "bun:test";
import { clientAddress, clientKey } from "../../src/rate-limit/client-address";

const request = (forwarded?: string) => new Request("http://x/signup", { headers: forwarded ? { "x-forwarded-for": forwarded } : {} });

describe("clientKey", () => {
  test("IPv4 as it is; IPv4-mapped IPv6 folded into it", () => {
    expect(clientKey("203.0.113.7")).toBe("203.0.113.7");
    expect(clientKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });

  test("IPv6 by its /64, however it is written", () => {
    expect(clientKey("2001:db8:0:1:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:0:1::/64");
    expect(clientKey("2001:0db8:0000:0001::1")).toBe("2001:db8:0:1::/64");
    expect(clientKey("2001:DB8:0:1::ffff")).toBe("2001:db8:0:1::/64");
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
    expect(clientKey("2001:db8:0:2::1")).not.toBe(clientKey("2001:db8:0:1::1"));
  });
});

describe("clientAddress", () => {
  test("without trusted proxies: the socket's address; X-Forwarded-For is ignored", () => {
    expect(clientAddress(request("198.51.100.1"), "203.0.113.7", 0)).toBe("203.0.113.7");
    expect(clientAddress(request(), undefined, 0)).toBe("unknown");
  });

  test("behind one or two trusted proxies: the entry the outermost wrote, from the right", () => {
    expect(clientAddress(request("10.0.0.1, 198.51.100.9"), "192.0.2.1", 1)).toBe("198.51.100.9");
    expect(clientAddress(request("10.0.0.1, 198.51.100.9, 192.0.2.50"), "192.0.2.1", 2)).toBe("198.51.100.9");
  });

  test("an entry with a port, or a bracketed IPv6 with one, is its address", () => {
    expect(clientAddress(request("198.51.100.9:51234"), "192.0.2.1", 1)).toBe("198.51.100.9");
    expect(clientAddress(request("[2001:db8:0:1::5]:443"), "192.0.2.1", 1)).toBe("2001:db8:0:1::/64");
  });

  test("a malformed or missing entry falls back to the socket's address", () => {
    expect(clientAddress(request("unknown"), "192.0.2.1", 1)).toBe("192.0.2.1");
    expect(clientAddress(request("198.51.100.9"), "192.0.2.1", 3)).toBe("192.0.2.1");
  });
});
