import { createHash } from "node:crypto";

/**
 * The mark that stops forwarding loops. Every request the hub sends carries
 * `Via: 1.1 <pseudonym>` (RFC 9110, Via), which header-preserving proxies
 * pass on; a request that arrives with this hub's pseudonym in its Via went
 * out from this hub and came back. The pseudonym comes from HUB_URL, so all
 * instances of one hub share it and two hubs never do; it is not the host
 * name, which a reverse proxy in front of the hub may write into Via itself.
 */
export function hubPseudonym(hubUrl: string): string {
  return `ocpi-hub-${createHash("sha256").update(hubUrl).digest("hex").slice(0, 16)}`;
}

/** The Via value of the hub's outbound requests. */
export function viaValue(pseudonym: string): string {
  return `1.1 ${pseudonym}`;
}

/** Whether a Via header (possibly a list, possibly repeated and joined) names this hub. */
export function carriesMark(via: string | undefined, pseudonym: string): boolean {
  if (via === undefined || !via.includes(pseudonym)) return false;
  for (const hop of via.split(",")) {
    const receivedBy = hop.trim().split(/\s+/)[1];
    if (receivedBy === pseudonym) return true;
  }
  return false;
}
