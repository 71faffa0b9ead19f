import type { LookupAddress, LookupOptions } from "node:dns";
import { afterEach, describe, expect, it } from "vitest";
import {
  createUrlPolicy,
  nonPublic,
  type UrlPolicyOptions,
  UrlRefused,
} from "../../src/egress/url-policy.js";
import { type CountingListener, countingListener } from "../support/net.js";

const HUB = "https://hub.example.com";

const strict = (more: Partial<UrlPolicyOptions> = {}) =>
  createUrlPolicy({ policy: "strict", allow: [], hubUrl: HUB, ...more });
const open = () => createUrlPolicy({ policy: "open", allow: [], hubUrl: "http://localhost:3000" });

describe("nonPublic: what kind of address is not public unicast", () => {
  it.each([
    ["8.8.8.8", undefined],
    ["1.1.1.1", undefined],
    ["172.32.0.1", undefined],
    ["100.128.0.1", undefined],
    ["2606:4700::1111", undefined],
    ["::ffff:8.8.8.8", undefined],
    ["64:ff9b::808:808", undefined],
    ["0.0.0.0", "an unspecified address"],
    ["0.1.2.3", "an unspecified address"],
    ["10.0.0.5", "a private address"],
    ["172.16.0.1", "a private address"],
    ["172.31.255.255", "a private address"],
    ["192.168.1.1", "a private address"],
    ["127.0.0.1", "a loopback address"],
    ["127.255.255.254", "a loopback address"],
    ["100.64.0.1", "a shared (CGNAT) address"],
    ["100.127.255.255", "a shared (CGNAT) address"],
    ["169.254.1.1", "a link-local address"],
    ["169.254.169.254", "a cloud metadata address"],
    ["100.100.100.200", "a cloud metadata address"],
    ["192.0.0.1", "a reserved address"],
    ["192.0.2.1", "a documentation address"],
    ["198.51.100.1", "a documentation address"],
    ["203.0.113.9", "a documentation address"],
    ["198.18.0.1", "a benchmarking address"],
    ["198.19.255.255", "a benchmarking address"],
    ["224.0.0.1", "a multicast address"],
    ["239.255.255.250", "a multicast address"],
    ["240.0.0.1", "a reserved address"],
    ["255.255.255.255", "a broadcast address"],
    ["::", "an unspecified address"],
    ["::1", "a loopback address"],
    ["::ffff:127.0.0.1", "a loopback address"],
    ["::ffff:7f00:1", "a loopback address"],
    ["::ffff:10.0.0.1", "a private address"],
    ["::ffff:0:0", "an unspecified address"],
    ["64:ff9b::7f00:1", "a loopback address"],
    ["64:ff9b::a9fe:a9fe", "a cloud metadata address"],
    ["::a00:1", "a reserved address"],
    ["fc00::1", "a unique-local address"],
    ["fd12:3456::1", "a unique-local address"],
    ["fd00:ec2::254", "a cloud metadata address"],
    ["fe80::1", "a link-local address"],
    ["fe80::1%eth0", "a link-local address"],
    ["febf:ffff::1", "a link-local address"],
    ["ff02::1", "a multicast address"],
    ["2001:db8::1", "a documentation address"],
    ["2001:2::1", "a benchmarking address"],
    ["2002:a00:1::1", "a reserved address"],
    ["100::1", "a reserved address"],
    ["fec0::1", "a reserved address"],
    ["not-an-address", "not an IP address"],
  ])("%s → %s", (address, kind) => {
    expect(nonPublic(address)).toBe(kind);
  });
});

describe("refusal: the check before a URL is stored or called", () => {
  it("under strict admits https URLs of host names and public addresses", () => {
    const policy = strict();
    for (const url of [
      "https://cpo.example.com/ocpi/versions",
      "https://CPO.example.com:8443/ocpi/2.2.1/locations?offset=0",
      "https://8.8.8.8/ocpi",
      "https://[2606:4700::1111]/ocpi",
    ]) {
      expect(policy.refusal(url), url).toBeUndefined();
    }
  });

  it.each([
    ["http://cpo.example.com/ocpi/versions", "URL_POLICY=strict admits only https URLs"],
    ["ftp://cpo.example.com/versions", "URL_POLICY=strict admits only https URLs"],
    ["https://user@cpo.example.com/ocpi", "a URL may not carry a user name or password"],
    ["https://user:secret@cpo.example.com/ocpi", "a URL may not carry a user name or password"],
    ["https://hub.example.com/ocpi/2.2.1/locations", "the URL points at the hub itself (HUB_URL)"],
    ["https://HUB.example.com:443/ocpi", "the URL points at the hub itself (HUB_URL)"],
    [
      "https://10.0.0.5/ocpi",
      "URL_POLICY=strict admits only public addresses: 10.0.0.5 is a private address",
    ],
    [
      "https://169.254.169.254/latest/meta-data",
      "URL_POLICY=strict admits only public addresses: 169.254.169.254 is a cloud metadata address",
    ],
    [
      "https://[::1]:8443/",
      "URL_POLICY=strict admits only public addresses: ::1 is a loopback address",
    ],
    [
      "https://[::ffff:192.168.0.1]/",
      "URL_POLICY=strict admits only public addresses: ::ffff:c0a8:1 is a private address",
    ],
    // Other spellings of 127.0.0.1, as the URL parser (and so the connection) reads them.
    [
      "https://2130706433/",
      "URL_POLICY=strict admits only public addresses: 127.0.0.1 is a loopback address",
    ],
    [
      "https://0x7f.1/",
      "URL_POLICY=strict admits only public addresses: 127.0.0.1 is a loopback address",
    ],
    ["no url at all", "not an absolute URL"],
  ])("under strict refuses %s: %s", (url, reason) => {
    expect(strict().refusal(url)).toBe(reason);
  });

  it("under strict lets URL_ALLOW exempt hosts, addresses and CIDRs from the address rule, not from https", () => {
    const policy = strict({
      allow: ["10.1.0.0/16", "192.168.5.5", "fd00::/8", "partner.internal"],
    });
    expect(policy.refusal("https://10.1.2.3/ocpi")).toBeUndefined();
    expect(policy.refusal("https://192.168.5.5/ocpi")).toBeUndefined();
    expect(policy.refusal("https://[fd00::5]/ocpi")).toBeUndefined();
    expect(policy.refusal("https://[::ffff:10.1.0.9]/ocpi")).toBeUndefined();
    expect(policy.refusal("http://10.1.2.3/ocpi")).toBe("URL_POLICY=strict admits only https URLs");
    expect(policy.refusal("https://10.2.0.1/ocpi")).toMatch(/10\.2\.0\.1 is a private address/);
    expect(policy.refusal("https://192.168.5.6/ocpi")).toMatch(/a private address/);
    expect(policy.refusal("https://[fc00::5]/ocpi")).toMatch(/a unique-local address/);
  });

  it("under open admits http and https to any address, still not user names or the hub itself", () => {
    const policy = open();
    for (const url of [
      "http://127.0.0.1:8080/ocpi",
      "http://10.0.0.5/ocpi",
      "https://169.254.169.254/",
      "http://[::1]:9000/",
    ]) {
      expect(policy.refusal(url), url).toBeUndefined();
    }
    expect(policy.refusal("ftp://127.0.0.1/")).toBe("only http and https URLs are called");
    expect(policy.refusal("http://u@127.0.0.1:8080/")).toBe(
      "a URL may not carry a user name or password",
    );
    expect(policy.refusal("http://localhost:3000/ocpi/versions")).toBe(
      "the URL points at the hub itself (HUB_URL)",
    );
  });

  it("refuses a URL_ALLOW entry that cannot be an address or a host name", () => {
    expect(() => strict({ allow: ["partner.example.com/24"] })).toThrow(/URL_ALLOW/);
    expect(() => strict({ allow: ["10.0.0.300"] })).toThrow(/URL_ALLOW/);
  });
});

describe("originOf: the per-request check of the outbound client", () => {
  it("normalises origins, so spellings of one origin share one pool", () => {
    const policy = open();
    expect(policy.originOf("HTTP://Example.COM:80")).toEqual({ origin: "http://example.com" });
    expect(policy.originOf("https://example.com:443")).toEqual({ origin: "https://example.com" });
    expect(policy.originOf("http://a@example.com")).toEqual({
      refused: "a URL may not carry a user name or password",
    });
  });
});

let listener: CountingListener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

async function countingServer(): Promise<CountingListener> {
  listener = await countingListener();
  return listener;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A resolver with fixed answers per host name, in the shapes dns.lookup gives them. */
function resolver(answers: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve = ((host: string, options: LookupOptions, callback: LookupCallback) => {
    asked.push(host);
    const found = (answers[host] ?? []).map((address) => ({
      address,
      family: address.includes(":") ? 6 : 4,
    }));
    if (found.length === 0) {
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
      return callback(err, "", 0);
    }
    if (options.all) return callback(null, found);
    const first = found[0] as LookupAddress;
    callback(null, first.address, first.family);
  }) as unknown as UrlPolicyOptions["resolve"];
  return { resolve, asked };
}

/** Opens a connection the way the outbound pools do; the connector's verdict. */
function connectWith(
  policy: ReturnType<typeof createUrlPolicy>,
  hostname: string,
  port: number,
): Promise<{ err: Error | null }> {
  const connect = policy.connect(2_000);
  if (typeof connect !== "function") throw new Error("strict gives a connector");
  return new Promise((resolve) => {
    connect({ hostname, protocol: "http:", port: String(port) }, (err, socket) => {
      socket?.destroy();
      resolve({ err });
    });
  });
}

describe("connect: the address check when a connection opens (strict)", () => {
  it("refuses a name that resolves to a non-public address without connecting, naming the address only in the log message", async () => {
    const server = await countingServer();
    // The name passes the check before storing; what it resolves to is only known at connect.
    const { resolve, asked } = resolver({ "cpo.example.net": ["127.0.0.1"] });
    const policy = strict({ resolve });
    expect(policy.refusal("https://cpo.example.net/ocpi/versions")).toBeUndefined();

    const { err } = await connectWith(policy, "cpo.example.net", server.port);

    expect(asked).toEqual(["cpo.example.net"]);
    expect(err).toBeInstanceOf(UrlRefused);
    expect(err?.message).toBe(
      "URL_POLICY=strict admits only public addresses: cpo.example.net resolves to 127.0.0.1, a loopback address",
    );
    expect((err as UrlRefused).reason).toBe(
      "URL_POLICY=strict admits only public addresses: cpo.example.net resolves to a loopback address",
    );
    expect(server.connections()).toBe(0);
  });

  it("refuses a name when any of its addresses is not public", async () => {
    const server = await countingServer();
    const { resolve } = resolver({ "mixed.example.net": ["8.8.8.8", "10.0.0.7"] });
    const { err } = await connectWith(strict({ resolve }), "mixed.example.net", server.port);
    expect(err?.message).toMatch(/resolves to 10\.0\.0\.7, a private address/);
    expect(server.connections()).toBe(0);
  });

  it("refuses a literal address, which no name lookup sees", async () => {
    const server = await countingServer();
    const { resolve, asked } = resolver({});
    const { err } = await connectWith(strict({ resolve }), "127.0.0.1", server.port);
    expect(err).toBeInstanceOf(UrlRefused);
    expect(err?.message).toMatch(/127\.0\.0\.1 is a loopback address/);
    expect(asked).toEqual([]);
    expect(server.connections()).toBe(0);
  });

  it("connects to an allowed host name or address whatever it resolves to", async () => {
    const server = await countingServer();
    const { resolve } = resolver({ "partner.internal": ["127.0.0.1"] });
    const byName = await connectWith(
      strict({ resolve, allow: ["partner.internal"] }),
      "partner.internal",
      server.port,
    );
    expect(byName.err).toBeNull();
    const byCidr = await connectWith(
      strict({ resolve, allow: ["127.0.0.0/8"] }),
      "partner.internal",
      server.port,
    );
    expect(byCidr.err).toBeNull();
    const literal = await connectWith(
      strict({ resolve, allow: ["127.0.0.1"] }),
      "127.0.0.1",
      server.port,
    );
    expect(literal.err).toBeNull();
    await expect.poll(() => server.connections()).toBe(3);
  });

  it("passes a resolver's own failure on", async () => {
    const { resolve } = resolver({});
    const { err } = await connectWith(strict({ resolve }), "nowhere.example.net", 9);
    expect(err).not.toBeInstanceOf(UrlRefused);
    expect((err as NodeJS.ErrnoException).code).toBe("ENOTFOUND");
  });

  it("under open leaves connections to undici's own connector", () => {
    expect(open().connect(1_000)).toEqual({ timeout: 1_000 });
  });
});
