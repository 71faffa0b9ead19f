import { OutboundError } from "../egress/ocpi-client.js";
import { StatusCode } from "../ocpi/status-codes.js";
import type { Platform } from "../registry/registry.js";
import type { DeliveryDeps } from "./service.js";
import type { Counters } from "./stats.js";
import type { RecipientWorker } from "./worker.js";

export interface ProbeDeps
  extends Pick<
    DeliveryDeps,
    "config" | "registry" | "client" | "logger" | "clock" | "events" | "background"
  > {
  /** Marks a recipient OFFLINE (offline.ts), `why` saying how it showed. */
  markOffline(recipient: string, c: Counters, why: string): void;
}

/** A platform whose versions endpoint the hub can call. */
type Probeable = Platform & { versionsUrl: string; outboundToken: string };

/**
 * GETs of platforms' versions endpoints, which have no side effects
 * (hubclientinfo: Still alive check): a silent CONNECTED platform that
 * does not answer goes OFFLINE; an OFFLINE one that answers is back.
 */
export function createProbes(d: ProbeDeps) {
  const { logger } = d;
  /** The platforms being probed now. */
  const probing = new Set<string>();

  /**
   * Probes the recipients this instance holds (one instance per recipient,
   * by lease, so no two probe the same platform): an OFFLINE one once per
   * PROBE_INTERVAL_MS, to notice its return; a CONNECTED one the hub has
   * not heard from for PROBE_INTERVAL_MS, to notice that it is gone
   * (hubclientinfo: Still alive check).
   */
  function probeDue(held: ReadonlyMap<string, RecipientWorker>): void {
    const now = d.clock.now().getTime();
    for (const [id, worker] of held) {
      if (probing.has(id)) continue;
      const status = d.registry.get(id)?.status;
      if (status === "OFFLINE") {
        if (now - worker.lastProbe < d.config.probeIntervalMs) continue;
        worker.lastProbe = now;
        run(id, "probe an OFFLINE platform", () => probe(id));
      } else if (status === "CONNECTED") {
        const heard = lastHeard(id, worker);
        if (now - heard < d.config.probeIntervalMs) continue;
        worker.lastProbe = now;
        run(id, "check that a silent platform is alive", () => checkAlive(id, worker, heard));
      }
    }
  }

  /**
   * When the hub last heard from the platform, as this instance knows it: a
   * request it sent this instance or an answer to a forward (the registry's
   * note), a delivery it took (the counters, which carry on from its row
   * when the lease moves), or the last probe.
   */
  function lastHeard(id: string, worker: RecipientWorker): number {
    return Math.max(
      worker.lastProbe,
      d.registry.lastHeard(id) ?? 0,
      worker.counters.lastSuccessAt?.getTime() ?? 0,
    );
  }

  /** One probe at a time per platform, however long it waits for an answer. */
  function run(id: string, name: string, work: () => Promise<void>): void {
    probing.add(id);
    d.background(name, async () => {
      try {
        await work();
      } finally {
        probing.delete(id);
      }
    });
  }

  /** GET of the platform's versions with its token; an OCPI success means it is back. */
  async function probe(platformId: string): Promise<void> {
    const platform = probeable(d.registry.get(platformId), "OFFLINE");
    if (platform === undefined) return;
    const failure = await askVersions(d.client, platform);
    if (failure === undefined) {
      await d.events.reachable(platformId);
    } else {
      logger.debug(
        { platform_id: platformId, reason: failure },
        "OFFLINE platform still unreachable",
      );
    }
  }

  /**
   * The still-alive check: GET of a silent CONNECTED platform's versions
   * with its token (`heard`: when the hub last heard from it). A network
   * error, a timeout, an HTTP error or an OCPI error marks it OFFLINE,
   * unless it was heard from while the probe waited.
   */
  async function checkAlive(id: string, worker: RecipientWorker, heard: number): Promise<void> {
    const platform = probeable(d.registry.get(id), "CONNECTED");
    if (platform === undefined) return;
    const asked = d.clock.now().getTime();
    const failure = await askVersions(d.client, platform);
    if (failure === undefined) {
      d.registry.recordHeard(id, d.clock.now().getTime());
      return;
    }
    if (lastHeard(id, worker) > asked || d.registry.get(id)?.status !== "CONNECTED") return;
    const c = worker.counters;
    c.lastError = `still-alive check: ${failure}`;
    c.lastErrorAt = d.clock.now();
    c.dirty = true;
    const silent = Math.round((asked - heard) / 1000);
    d.markOffline(
      id,
      c,
      `nothing heard for ${silent} s and the still-alive check failed (${failure})`,
    );
  }

  return { probeDue };
}

/** The platform when it is in `status` and the hub can call its versions endpoint. */
function probeable(
  platform: Platform | undefined,
  status: "OFFLINE" | "CONNECTED",
): Probeable | undefined {
  if (platform?.status !== status) return undefined;
  const { versionsUrl, outboundToken } = platform;
  if (versionsUrl === null || outboundToken === null) return undefined;
  return { ...platform, versionsUrl, outboundToken };
}

/** GET of the platform's versions endpoint with its token: undefined on success, else what failed, naming the URL. */
async function askVersions(
  client: ProbeDeps["client"],
  platform: Probeable,
): Promise<string | undefined> {
  try {
    const res = await client.send({
      method: "GET",
      url: platform.versionsUrl,
      token: platform.outboundToken,
      encoding: platform.outboundTokenEncoding,
      pool: platform.id,
    });
    const code = res.body.status_code;
    if (res.status === 200 && code === StatusCode.Success) return undefined;
    return `GET ${platform.versionsUrl} answered HTTP ${res.status} with status_code ${code}`;
  } catch (err) {
    if (!(err instanceof OutboundError)) throw err;
    return err.message;
  }
}
