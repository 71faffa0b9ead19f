import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

/**
 * deploy/ cannot be run here (no container runtime, no images), so its files
 * are checked against the repository instead: every YAML parses, every file
 * and script they name exists, every variable they set is one the hub reads,
 * and the production settings the cluster needs are the ones written down.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DEPLOY = join(ROOT, "deploy");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/**
 * Parts of the production shape that the process work adds beside these
 * files (the build script, its tsconfig and the migration entry). Until they
 * are in the tree the files may name them; everything else must exist.
 */
const ARRIVING_WITH_THE_BUILD = new Set(["script:build", "src/migrate.ts", "tsconfig.build.json"]);

function present(what: string, exists: boolean): boolean {
  return exists || ARRIVING_WITH_THE_BUILD.has(what);
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

function parseYaml(path: string): any[] {
  const docs = parseAllDocuments(readFileSync(path, "utf8"), { merge: true });
  if (!Array.isArray(docs)) return [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]?.message}`);
  }
  return docs.map((doc) => doc.toJS({ maxAliasCount: 100 })).filter((doc) => doc != null);
}

/** The variables the hub knows: its config schema's keys and the README's configuration table. */
function knownVariables(): Set<string> {
  const names = new Set<string>();
  const schema = read("src/config/schema.ts");
  const body = schema.slice(schema.indexOf("export const envSchema"));
  for (const m of body.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)) names.add(m[1] as string);
  const readme = read("README.md");
  const table = readme.slice(readme.indexOf("## Configuration"));
  for (const row of table.split("\n").filter((line) => line.startsWith("| `"))) {
    const cell = row.split("|")[1] ?? "";
    for (const m of cell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.add(m[1] as string);
  }
  return names;
}

/** Where `node dist/x.js` comes from: the build compiles src/ (rootDir) into dist/ (outDir). */
function sourceOf(entry: string): string {
  const build = existsSync(join(ROOT, "tsconfig.build.json"))
    ? JSON.parse(read("tsconfig.build.json"))
    : {};
  const outDir = String(build.compilerOptions?.outDir ?? "dist").replace(/^\.\/|\/$/g, "");
  const rootDir = String(build.compilerOptions?.rootDir ?? "src").replace(/^\.\/|\/$/g, "");
  expect(entry.startsWith(`${outDir}/`), `${entry} lies in the build's ${outDir}/`).toBe(true);
  return `${rootDir}/${entry.slice(outDir.length + 1).replace(/\.js$/, ".ts")}`;
}

function expectEntryBuilt(command: unknown, where: string) {
  expect(Array.isArray(command), `${where}: command is an exec array`).toBe(true);
  const [bin, ...args] = command as string[];
  expect(bin, `${where} runs node directly`).toBe("node");
  // node's own options come before the script.
  const entry = args.find((arg) => !arg.startsWith("-"));
  const source = sourceOf(entry as string);
  expect(present(source, existsSync(join(ROOT, source))), `${where}: ${source} exists`).toBe(true);
}

/**
 * The V8 settings the hub runs with (docs/production.md), as the benches
 * start their hubs (bench/support.ts), so that what they measure is what
 * runs.
 */
const HUB_NODE_FLAGS: string[] = JSON.parse(
  /export const HUB_NODE_FLAGS: readonly string\[\] = (\[[^\]]*\]);/.exec(
    read("bench/support.ts"),
  )?.[1] ?? "null",
);

const known = knownVariables();
const compose = parseYaml(join(DEPLOY, "compose.yaml"))[0];
const manifests = yamlFiles(join(DEPLOY, "k8s")).flatMap(parseYaml);
const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind);

describe("the hub's V8 settings", () => {
  it("are the benches', and every way of starting the hub passes them", () => {
    expect(HUB_NODE_FLAGS).toContain("--max-semi-space-size=32");
    const start = JSON.parse(read("package.json")).scripts.start as string;
    expect(start).toBe(`exec node ${HUB_NODE_FLAGS.join(" ")} --import tsx src/main.ts`);
    const hub = ofKind("Deployment")[0]?.spec.template.spec.containers[0];
    expect(hub.command).toEqual(["node", ...HUB_NODE_FLAGS, "dist/main.js"]);
    const cmd = /^CMD (\[.*\])$/m.exec(read("deploy/Dockerfile"))?.[1];
    expect(JSON.parse(cmd ?? "null")).toEqual(["node", ...HUB_NODE_FLAGS, "dist/main.js"]);
    // The compose file's hubs run the image's CMD.
    for (const name of ["hub-1", "hub-2"]) {
      expect(compose.services[name], name).toBeDefined();
      expect(compose.services[name].command, name).toBeUndefined();
    }
  });
});

describe("deploy/ files", () => {
  it("parse as YAML, every one of them", () => {
    const files = yamlFiles(DEPLOY);
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) expect(parseYaml(file).length, file).toBeGreaterThan(0);
  });

  it("knows the hub's variables from the schema and the README", () => {
    for (const name of ["PORT", "DATABASE_URL", "ROAMING_POLICY", "NATS_STREAM_REPLICAS"]) {
      expect(known.has(name), name).toBe(true);
    }
  });
});

describe("deploy/Dockerfile", () => {
  const dockerfile = read("deploy/Dockerfile");
  const scripts = JSON.parse(read("package.json")).scripts as Record<string, string>;

  it("builds in one stage and runs compiled JavaScript with production dependencies in another", () => {
    expect(dockerfile).toMatch(/^FROM \S+ AS build$/m);
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/RUN npm run build\b/);
    expect(present("script:build", scripts.build !== undefined)).toBe(true);
    expect(dockerfile).toMatch(/RUN npm ci --omit=dev\b/);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    const ignore = read("deploy/Dockerfile.dockerignore").split("\n");
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const path of (m[1] as string).split(/\s+/)) {
        expect(present(path, existsSync(join(ROOT, path))), `COPY ${path}`).toBe(true);
        // The context keeps what is copied: "*" excludes everything else.
        expect(
          ignore.some((line) => line.replace(/\/$/, "") === `!${path}`),
          `!${path}`,
        ).toBe(true);
      }
    }
  });

  it("runs node on what the build emits, as a non-root user, stopping on SIGTERM", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    const command = JSON.parse(cmd ?? "null");
    expect(command).toEqual(["node", ...HUB_NODE_FLAGS, "dist/main.js"]);
    expectEntryBuilt(command, "Dockerfile CMD");
    expect(sourceOf("dist/main.js")).toBe("src/main.ts");
    const users = [...dockerfile.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBeDefined();
    expect(["root", "0"]).not.toContain(users.at(-1));
    expect(dockerfile).toMatch(/^STOPSIGNAL SIGTERM$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*CMD \["node", "-e", ".*\/healthz/m);
    const instructions = dockerfile.split("\n").filter((line) => !line.startsWith("#"));
    expect(instructions.join("\n")).not.toMatch(/curl|wget/);
  });
});

describe("deploy/compose.yaml", () => {
  const services = compose.services as Record<string, any>;
  const runsHub = ([, s]: [string, any]) => s.image === "ocpi-hub:local";
  const hubImage = Object.entries(services).filter(runsHub);
  const hubs = hubImage.filter(([name]) => name !== "migrate");

  it("runs two hub replicas, PostgreSQL, three NATS nodes, a migration and a proxy", () => {
    expect(hubs.length).toBe(2);
    expect(services.postgres.image).toMatch(/^postgres:/);
    const nats = Object.entries(services).filter(([, s]) => String(s.image).startsWith("nats:"));
    expect(nats.length).toBe(3);
    const names = nats.map(([, s]) => s.command[s.command.indexOf("--server_name") + 1]);
    expect(new Set(names).size).toBe(3);
    for (const [name, s] of nats) {
      expect(s.command.slice(0, 2), name).toEqual(["-c", "/etc/nats/nats.conf"]);
      expect(s.volumes, name).toContain("./nats.conf:/etc/nats/nats.conf:ro");
    }
    expect(read("deploy/nats.conf")).toMatch(/^jetstream \{/m);
    expect(read("deploy/nats.conf")).toMatch(/^cluster \{/m);
    expect(services.proxy.ports).toEqual(["443:443"]);
  });

  it("migrates once, before the hubs start, and the hubs do not migrate themselves", () => {
    expectEntryBuilt(services.migrate.command, "compose migrate");
    expect(services.migrate.restart).toBe("no");
    for (const [name, s] of hubs) {
      expect(s.depends_on.migrate, name).toEqual({
        condition: "service_completed_successfully",
      });
      expect(s.environment.MIGRATE_ON_START, name).toBe("false");
    }
  });

  it("sets production values: https HUB_URL, three stream replicas, roaming agreements", () => {
    for (const [name, s] of hubs) {
      const env = s.environment;
      expect(env.NODE_ENV, name).toBe("production");
      expect(env.HUB_URL, name).toMatch(/^https:\/\//);
      expect(env.NATS_STREAM_REPLICAS, name).toBe("3");
      expect(env.ROAMING_POLICY, name).toBe("agreements");
      const natsNodes = Object.keys(services).filter((n) => n.startsWith("nats-"));
      const seeds = String(env.NATS_URL).split(",");
      expect(seeds.length, name).toBe(natsNodes.length);
      for (const node of natsNodes) {
        expect(seeds.some((seed) => new RegExp(`^nats://[^@]+@${node}:4222$`).test(seed))).toBe(
          true,
        );
      }
      expect(env.DATABASE_URL, name).toMatch(/^postgres:\/\//);
    }
  });

  it("keeps the admin port unpublished", () => {
    for (const [name, s] of hubs) {
      const admin = s.environment.ADMIN_PORT;
      expect(admin, name).toMatch(/^\d+$/);
      expect(admin, name).not.toBe(s.environment.PORT);
      expect(s.ports, name).toBeUndefined();
    }
    for (const [name, s] of Object.entries(services)) {
      for (const port of s.ports ?? []) {
        expect(String(port), name).not.toMatch(
          new RegExp(`:${hubs[0]?.[1].environment.ADMIN_PORT}$`),
        );
      }
    }
    expect(read("deploy/Caddyfile")).not.toMatch(/:3001\b/);
  });

  it("sets only variables the hub knows, each secret taken from the example env file", () => {
    for (const [name, s] of hubImage) {
      for (const key of Object.keys(s.environment))
        expect(known.has(key), `${name}: ${key}`).toBe(true);
    }
    const example = read("deploy/.env.example");
    const required = [...read("deploy/compose.yaml").matchAll(/\$\{(\w+)(?::\?[^}]*)?\}/g)];
    for (const m of required) expect(example, m[1]).toMatch(new RegExp(`^${m[1]}=`, "m"));
    for (const [name, s] of Object.entries(services)) {
      for (const volume of s.volumes ?? []) {
        const source = String(volume).split(":")[0] as string;
        if (!source.startsWith("./") || source === "./certs") continue;
        expect(existsSync(join(DEPLOY, source)), `${name}: ${source}`).toBe(true);
      }
    }
    expect(read("deploy/README.md")).toMatch(/certs\/hub\.crt/);
  });
});

describe("deploy/k8s", () => {
  const [deployment] = ofKind("Deployment");
  const pod = deployment?.spec.template.spec;
  const hub = pod?.containers[0];

  it("runs 2+ replicas of the compiled hub as a non-root user with resources set", () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expectEntryBuilt(hub.command, "Deployment");
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(hub.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(hub.resources.requests.cpu).toBeDefined();
    expect(hub.resources.requests.memory).toBeDefined();
    expect(hub.resources.limits.memory).toBeDefined();
    // The drain: 15 s for requests in flight, then deliveries, each bounded by 10 s.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
  });

  it("probes readiness on /readyz and liveness on /healthz, on the OCPI port", () => {
    expect(hub.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "ocpi" });
    expect(hub.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "ocpi" });
    const ocpi = hub.ports.find((p: any) => p.name === "ocpi");
    const config = ofKind("ConfigMap")[0].data;
    expect(String(ocpi.containerPort)).toBe(config.PORT);
  });

  it("takes configuration from a ConfigMap and a Secret, naming only variables the hub knows", () => {
    const config = ofKind("ConfigMap")[0];
    expect(hub.envFrom).toContainEqual({ configMapRef: { name: config.metadata.name } });
    const fromSecret = hub.env.filter((e: any) => e.valueFrom?.secretKeyRef !== undefined);
    expect(fromSecret.map((e: any) => e.name)).toEqual(
      expect.arrayContaining(["ADMIN_TOKEN", "DATABASE_URL", "NATS_URL"]),
    );
    const job = ofKind("Job")[0].spec.template.spec.containers[0];
    const names = [...Object.keys(config.data), ...hub.env, ...(job.env ?? [])].map((e) =>
      typeof e === "string" ? e : e.name,
    );
    for (const name of names) expect(known.has(name), name).toBe(true);
    expect(config.data.NATS_STREAM_REPLICAS).toBe("3");
    expect(config.data.MIGRATE_ON_START).toBe("false");
    expect(config.data.HUB_URL).toMatch(/^https:\/\//);
  });

  it("has a Service without the admin port, a disruption budget and a migration Job", () => {
    const labels = deployment.spec.template.metadata.labels;
    const [service] = ofKind("Service");
    expect(service.spec.selector).toEqual(labels);
    expect(service.spec.ports.map((p: any) => p.targetPort)).toEqual(["ocpi"]);
    const [pdb] = ofKind("PodDisruptionBudget");
    expect(pdb.spec.selector.matchLabels).toEqual(labels);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    const [job] = ofKind("Job");
    expectEntryBuilt(job.spec.template.spec.containers[0].command, "migration Job");
    expect(job.spec.template.spec.restartPolicy).toBe("Never");
  });

  it("names the NATS cluster it expects in the README", () => {
    expect(read("deploy/README.md")).toMatch(/nats:\/\/[\w.-]+\.svc\.cluster\.local:4222/);
  });
});

describe("deploy/grafana/ocpi-hub.json", () => {
  /** Grafana's reference to the datasource variable. */
  const DATASOURCE = ["$", "{datasource}"].join("");
  const dashboard = JSON.parse(read("deploy/grafana/ocpi-hub.json"));
  const panels: any[] = dashboard.panels;

  it("takes its Prometheus from a datasource variable, in every panel and query", () => {
    const variable = dashboard.templating.list.find((v: any) => v.type === "datasource");
    expect(variable).toMatchObject({ name: "datasource", query: "prometheus" });
    const queried = panels.filter((p) => p.type !== "row");
    expect(queried.length).toBeGreaterThan(10);
    for (const panel of queried) {
      expect(panel.datasource, panel.title).toEqual({ type: "prometheus", uid: DATASOURCE });
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const t of panel.targets) expect(t.datasource.uid, panel.title).toBe(DATASOURCE);
    }
  });

  it("has unique panel ids and non-overlapping grid positions", () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const { gridPos: g, title } of panels) {
      expect(g.x + g.w, title).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `${title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it("is listed in deploy/README.md and docs/production.md", () => {
    expect(read("deploy/README.md")).toContain("grafana/ocpi-hub.json");
    expect(read("docs/production.md")).toContain("deploy/grafana/ocpi-hub.json");
  });
});
