import { type Config, envSchema } from "./schema.js";

/** Thrown when the environment does not describe a startable hub; the message is one line. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Parses the environment it is given (never process.env itself), lists every
 * bad variable in one line, and returns a frozen Config.
 */
export function loadConfig(env: Record<string, string | undefined>): Readonly<Config> {
  const known = Object.keys(envSchema.shape);
  const input = Object.fromEntries(
    known.map((name) => [name, env[name] === "" ? undefined : env[name]]),
  );
  const parsed = envSchema.safeParse(input);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? "environment");
        return `${name} ${issue.message}${shown(name, input[name])}`;
      });
  const named = (name: string) => problems.some((p) => p.startsWith(`${name} `));
  problems.push(...crossChecks(input).filter((p) => !named(p.split(" ")[0] ?? "")));
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  const database: Config["database"] =
    e.DATABASE_URL === undefined
      ? { kind: "pglite", dataDir: e.DATA_DIR }
      : e.DATABASE_URL === "memory://"
        ? { kind: "pglite-memory" }
        : { kind: "postgres", url: e.DATABASE_URL };
  const hubUrl = e.HUB_URL ?? `http://localhost:${e.PORT}`;
  const key = e.TOKEN_ENCRYPTION_KEY;
  return Object.freeze({
    port: e.PORT,
    hubUrl,
    hubCountryCode: e.HUB_COUNTRY_CODE,
    hubPartyId: e.HUB_PARTY_ID,
    database,
    natsUrl: e.NATS_URL,
    natsPrefix: e.NATS_PREFIX,
    natsStreamReplicas: e.NATS_STREAM_REPLICAS,
    natsCreds: e.NATS_CREDS,
    adminToken: e.ADMIN_TOKEN,
    forwardTimeoutMs: e.FORWARD_TIMEOUT_MS,
    deliveryWindowMs: e.DELIVERY_WINDOW_MS,
    deliveryCatchUp: e.DELIVERY_CATCH_UP,
    messageLog: {
      enabled: e.MESSAGE_LOG,
      bodies: e.MESSAGE_LOG_BODIES,
      days: e.MESSAGE_LOG_DAYS,
    },
    probeIntervalMs: e.PROBE_INTERVAL_MS,
    logLevel: e.LOG_LEVEL,
    host: e.HOST,
    adminListener:
      e.ADMIN_PORT === undefined ? undefined : { port: e.ADMIN_PORT, host: e.ADMIN_HOST },
    hubName: e.HUB_NAME,
    hubWebsite: e.HUB_WEBSITE,
    migrateOnStart: e.MIGRATE_ON_START,
    urlPolicy: e.URL_POLICY ?? (hubUrl.startsWith("https://") ? "strict" : "open"),
    urlAllow: Object.freeze([...e.URL_ALLOW]),
    trustedProxies: Object.freeze([...e.TRUSTED_PROXIES]),
    maxBodyBytes: e.MAX_BODY_BYTES,
    maxRelayBytes: e.MAX_RELAY_BYTES,
    platformRateLimit: e.PLATFORM_RATE_LIMIT,
    validation: e.VALIDATION,
    roamingPolicy: e.ROAMING_POLICY,
    tokenEncryptionKey:
      key === undefined ? undefined : Buffer.from(key, key.length === 64 ? "hex" : "base64"),
  });
}

function shown(name: string, value: string | undefined): string {
  const secret = name === "ADMIN_TOKEN" || name === "TOKEN_ENCRYPTION_KEY";
  return value === undefined || secret ? "" : ` (got "${value}")`;
}

/**
 * Rules between variables. A production hub advertises HUB_URL to every
 * platform it connects, so the localhost default (or plain http) there is a
 * mistake the hub refuses rather than spreads.
 */
function crossChecks(input: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const hubUrl = input.HUB_URL;
  if (input.NODE_ENV === "production" && !/^https:\/\//i.test(hubUrl ?? "")) {
    problems.push(
      hubUrl === undefined
        ? "HUB_URL must be set to the hub's public https:// URL when NODE_ENV=production"
        : `HUB_URL must be an https:// URL when NODE_ENV=production${shown("HUB_URL", hubUrl)}`,
    );
  }
  const port = input.PORT ?? "3000";
  if (input.ADMIN_PORT !== undefined && Number(input.ADMIN_PORT) === Number(port)) {
    problems.push(`ADMIN_PORT must differ from PORT${shown("ADMIN_PORT", input.ADMIN_PORT)}`);
  }
  return problems;
}

/**
 * The configuration of an entry point (the hub, `npm run migrate`), or exit
 * 2 with the one line naming the variable when it is wrong.
 */
export function configOrExit(
  env: Record<string, string | undefined>,
  program: string,
): Readonly<Config> {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${program}: ${err.message}\n`);
    process.exit(2);
  }
}
