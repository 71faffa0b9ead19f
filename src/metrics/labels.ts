/** The OCPI version in the hub's paths; kept here so that metrics imports nothing of the hub. */
const VERSION_PREFIX = "/ocpi/2.2.1";

/**
 * The module label of a route pattern: the OCPI module of a module's
 * endpoints (`/ocpi/2.2.1/locations/sender/*` → locations), versions for
 * the versions list and version details, admin, console and ops for the
 * operator's paths and probes, ocpi for an OCPI path no route matched,
 * other for anything else. Route patterns are few, so are the values.
 */
export function moduleOfRoute(route: string): string {
  if (route === "/ocpi/versions" || route === VERSION_PREFIX) return "versions";
  if (route.startsWith(`${VERSION_PREFIX}/`)) {
    const module = route.slice(VERSION_PREFIX.length + 1).split("/")[0] ?? "";
    return /^[a-z]+$/.test(module) ? module : "ocpi";
  }
  if (route === "/ocpi" || route.startsWith("/ocpi/")) return "ocpi";
  if (route === "/admin" || route.startsWith("/admin/")) return "admin";
  if (route === "/console" || route.startsWith("/console/")) return "console";
  if (route === "/healthz" || route === "/readyz" || route === "/metrics") return "ops";
  return "other";
}

/** The outcome label of an HTTP status: its class, 2xx to 5xx. */
export function outcomeOfStatus(status: string): string {
  const head = status.charAt(0);
  return head >= "1" && head <= "5" && status.length === 3 ? `${head}xx` : "other";
}
