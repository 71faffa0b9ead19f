import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { buildConnector } from "undici";

/**
 * What the hub may call of the URLs platforms give it: versions and
 * endpoint URLs, pagination Links, response_url and CDR locations.
 *
 * - `open`: http and https to any address (local trials and tests).
 * - `strict`: https only, and only to public unicast addresses; the
 *   address a name resolves to is checked when a connection opens, so a
 *   name that resolves to something else later (DNS rebinding) gains
 *   nothing. URL_ALLOW exempts host names, addresses and CIDRs from the
 *   address rule, never from https.
 *
 * Under both, a URL with a user name or password (each user@ is an origin,
 * and so a connection pool, of its own) and a URL at the hub's own origin
 * (a forwarding loop) are refused.
 */
export interface UrlPolicy {
  readonly mode: "strict" | "open";
  /** Why the hub may not store or call this URL, naming the rule; undefined when it may. */
  refusal(url: string): string | undefined;
  /**
   * The origin an outbound request goes to, normalised (lower case, no
   * default port), or why it may not; remembered per origin as written, so
   * the check costs one map lookup per request.
   */
  originOf(written: string): { origin: string } | { refused: string };
  /** The connect option of the outbound pools: plain under open, address-checked under strict. */
  connect(timeoutMs: number): buildConnector.connector | { timeout: number };
}

export interface UrlPolicyOptions {
  policy: "strict" | "open";
  /** URL_ALLOW: host names, IP addresses and CIDRs exempt from the address rule. */
  allow: readonly string[];
  hubUrl: string;
  /** Name resolution; dns.lookup unless a test resolves names itself. */
  resolve?: typeof dnsLookup;
}

/** A connection refused by the address rule; nothing was sent. */
export class UrlRefused extends Error {
  override readonly name = "UrlRefused";
  readonly code = "ERR_URL_POLICY";
  constructor(
    /** For logs and the operator: names the address. */
    message: string,
    /** For the platform that gave the URL: the rule, without the address a name resolved to. */
    readonly reason: string,
  ) {
    super(message);
  }
}

const STRICT_HTTPS = "URL_POLICY=strict admits only https URLs";
const STRICT_PUBLIC = "URL_POLICY=strict admits only public addresses";

export function createUrlPolicy(options: UrlPolicyOptions): UrlPolicy {
  const strict = options.policy === "strict";
  const hubOrigin = new URL(options.hubUrl).origin;
  const allow = allowList(options.allow);
  const verdicts = new Map<string, { origin: string } | { refused: string }>();

  /** Why a connection to this address (of this host) is refused under strict. */
  function addressRefusal(host: string, address: string): string | undefined {
    if (allow.hosts.has(hostKey(host)) || allow.admits(address)) return undefined;
    return nonPublic(address);
  }

  const resolve = options.resolve ?? dnsLookup;
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname, lookupOptions, (err, address, family) => {
      if (err !== null) return callback(err, address, family);
      const found: LookupAddress[] = Array.isArray(address)
        ? address
        : [{ address, family: family ?? isIP(address) }];
      for (const entry of found) {
        const kind = addressRefusal(hostname, entry.address);
        if (kind === undefined) continue;
        const refused = new UrlRefused(
          `${STRICT_PUBLIC}: ${hostname} resolves to ${entry.address}, ${kind}`,
          `${STRICT_PUBLIC}: ${hostname} resolves to ${kind}`,
        );
        return callback(refused, address, family);
      }
      callback(null, address, family);
    });
  };

  function refusal(url: string): string | undefined {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return "not an absolute URL";
    }
    const scheme = parsed.protocol;
    if (scheme !== "https:" && (strict || scheme !== "http:")) {
      return strict ? STRICT_HTTPS : "only http and https URLs are called";
    }
    if (parsed.username !== "" || parsed.password !== "") {
      return "a URL may not carry a user name or password";
    }
    if (parsed.origin === hubOrigin) return "the URL points at the hub itself (HUB_URL)";
    if (strict) {
      const host = unbracket(parsed.hostname);
      // Literal addresses reach no name lookup: they are checked here, and again at connect.
      const kind = isIP(host) === 0 ? undefined : addressRefusal(host, host);
      if (kind !== undefined) return `${STRICT_PUBLIC}: ${host} is ${kind}`;
    }
    return undefined;
  }

  return {
    mode: options.policy,
    refusal,
    originOf(written) {
      let verdict = verdicts.get(written);
      if (verdict === undefined) {
        const refused = refusal(written);
        verdict = refused === undefined ? { origin: new URL(written).origin } : { refused };
        // Origins come from platforms: the memory stays bounded whatever they send.
        if (verdicts.size >= 10_000) verdicts.clear();
        verdicts.set(written, verdict);
      }
      return verdict;
    },
    connect(timeoutMs) {
      if (!strict) return { timeout: timeoutMs };
      const base = buildConnector({ timeout: timeoutMs, lookup });
      return (connectOptions, callback) => {
        const host = unbracket(connectOptions.hostname);
        const kind = isIP(host) === 0 ? undefined : addressRefusal(host, host);
        if (kind === undefined) return base(connectOptions, callback);
        const message = `${STRICT_PUBLIC}: ${host} is ${kind}`;
        queueMicrotask(() => callback(new UrlRefused(message, message), null));
      };
    },
  };
}

/** Host names as URL_ALLOW and URLs may spell them: lower case, without a final dot. */
function hostKey(host: string): string {
  return host.toLowerCase().replace(/\.$/, "");
}

function unbracket(host: string): string {
  return host.startsWith("[") ? host.slice(1, -1) : host;
}

/** URL_ALLOW as host names and a list of addresses and subnets. */
function allowList(entries: readonly string[]) {
  const hosts = new Set<string>();
  const addresses = new BlockList();
  for (const entry of entries) {
    const [host = "", prefix] = entry.split("/");
    const family = isIP(host);
    if (family === 0) {
      if (prefix !== undefined || /^[\d.]+$/.test(host)) {
        throw new Error(`URL_ALLOW: ${entry} is neither a host name nor an IP address or CIDR`);
      }
      hosts.add(hostKey(host));
    } else if (prefix === undefined) {
      addresses.addAddress(host, family === 4 ? "ipv4" : "ipv6");
    } else {
      addresses.addSubnet(host, Number(prefix), family === 4 ? "ipv4" : "ipv6");
    }
  }
  return {
    hosts,
    admits(address: string): boolean {
      const bare = address.split("%")[0] as string;
      const family = isIP(bare);
      if (family === 0) return false;
      if (addresses.check(bare, family === 4 ? "ipv4" : "ipv6")) return true;
      const embedded = family === 6 ? embeddedIPv4(bare) : undefined;
      return embedded !== undefined && addresses.check(embedded, "ipv4");
    },
  };
}

/**
 * Every address that is not public unicast, by what it is (IANA's IPv4 and
 * IPv6 special-purpose registries). The metadata services of cloud hosts
 * come first so that a refusal names them.
 */
const SPECIAL: readonly { kind: string; list: BlockList }[] = [
  {
    kind: "a cloud metadata address",
    ranges: [
      "169.254.169.254/32",
      "169.254.170.2/32",
      "100.100.100.200/32",
      "192.0.0.192/32",
      "fd00:ec2::254/128",
    ],
  },
  { kind: "an unspecified address", ranges: ["0.0.0.0/8", "::/128"] },
  { kind: "a loopback address", ranges: ["127.0.0.0/8", "::1/128"] },
  { kind: "a private address", ranges: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] },
  { kind: "a shared (CGNAT) address", ranges: ["100.64.0.0/10"] },
  { kind: "a link-local address", ranges: ["169.254.0.0/16", "fe80::/10"] },
  { kind: "a unique-local address", ranges: ["fc00::/7"] },
  { kind: "a multicast address", ranges: ["224.0.0.0/4", "ff00::/8"] },
  { kind: "a broadcast address", ranges: ["255.255.255.255/32"] },
  {
    kind: "a documentation address",
    ranges: ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20"],
  },
  { kind: "a benchmarking address", ranges: ["198.18.0.0/15", "2001:2::/48"] },
  {
    kind: "a reserved address",
    ranges: [
      "192.0.0.0/24",
      "192.88.99.0/24",
      "240.0.0.0/4",
      "100::/64",
      "2001::/32",
      "2002::/16",
      "fec0::/10",
    ],
  },
].map(({ kind, ranges }) => {
  const list = new BlockList();
  for (const range of ranges) {
    const [net = "", bits] = range.split("/");
    list.addSubnet(net, Number(bits), isIP(net) === 4 ? "ipv4" : "ipv6");
  }
  return { kind, list };
});

/** IPv6 global unicast; the rest of the IPv6 space is reserved. */
const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet("2000::", 3, "ipv6");

/** IPv4-mapped addresses and the well-known NAT64 prefix reach the IPv4 address they carry. */
const CARRIES_IPV4 = new BlockList();
CARRIES_IPV4.addSubnet("::ffff:0:0", 96, "ipv6");
CARRIES_IPV4.addSubnet("64:ff9b::", 96, "ipv6");

/**
 * What kind of non-public address this is ("a private address"), or
 * undefined for a public unicast address. Not an address at all counts as
 * not public.
 */
export function nonPublic(address: string): string | undefined {
  const bare = address.split("%")[0] as string;
  const family = isIP(bare);
  if (family === 0) return "not an IP address";
  const type = family === 4 ? "ipv4" : "ipv6";
  if (family === 6) {
    const embedded = embeddedIPv4(bare);
    if (embedded !== undefined) return nonPublic(embedded);
  }
  for (const { kind, list } of SPECIAL) if (list.check(bare, type)) return kind;
  if (family === 6 && !GLOBAL_UNICAST.check(bare, "ipv6")) return "a reserved address";
  return undefined;
}

/** The IPv4 address in the last 32 bits of an IPv4-mapped or NAT64 address. */
function embeddedIPv4(address: string): string | undefined {
  if (!CARRIES_IPV4.check(address, "ipv6")) return undefined;
  // The URL parser writes the address in canonical hex groups: the last two hold the IPv4 one.
  const groups = unbracket(new URL(`http://[${address}]/`).hostname).split(":");
  const high = Number.parseInt(groups[groups.length - 2] || "0", 16);
  const low = Number.parseInt(groups[groups.length - 1] || "0", 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}
