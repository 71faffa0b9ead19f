import { isIP } from "node:net";
import { z } from "zod";
import { NATS_PREFIX, NATS_PREFIX_PATTERN } from "../bus/names.js";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const port = z.coerce
  .number({ error: "must be a whole number between 1 and 65535" })
  .int("must be a whole number between 1 and 65535")
  .min(1, "must be a whole number between 1 and 65535")
  .max(65535, "must be a whole number between 1 and 65535");

const httpUrl = z
  .string()
  .refine((value) => /^https?:\/\/[^\s/]+/i.test(value) && URL.canParse(value), {
    message: "must be an absolute http(s) URL",
  })
  .transform((value) => value.replace(/\/+$/, ""));

/** A web address shown to people (business_details.website): kept as written. */
const websiteUrl = z
  .string()
  .max(255, "must be at most 255 characters")
  .refine((value) => /^https?:\/\/[^\s/]+\S*$/i.test(value) && URL.canParse(value), {
    message: "must be an absolute http(s) URL",
  });

const trueOrFalse = (fallback: "true" | "false") =>
  z
    .enum(["true", "false"], { error: "must be true or false" })
    .default(fallback)
    .transform((value) => value === "true");

const hostName = z.string().regex(/^[0-9A-Za-z.:-]+$/, "must be a host name or an IP address");

const bytes = z.coerce
  .number({ error: "must be a whole number of bytes" })
  .int("must be a whole number of bytes")
  .min(1024, "must be at least 1024")
  .max(1024 * 1024 * 1024, "must be at most 1073741824");

const databaseUrl = z
  .string()
  .refine((value) => /^(postgres|postgresql):\/\/\S+$|^memory:\/\/$/.test(value), {
    message: "must be postgres://…, postgresql://… or memory://",
  });

/** One server URL, or several separated by commas (the seed servers of a cluster). */
const natsUrl = z
  .string()
  .refine(
    (value) =>
      value.split(",").every((entry) => /^(nats|tls|ws|wss):\/\/[^\s,]+$/.test(entry.trim())),
    { message: "must be a nats://host:port URL, or several separated by commas" },
  );

/** A comma-separated list; blanks around entries and empty entries go. */
const commaList = z.string().transform((value) =>
  value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== ""),
);

/** A URL_ALLOW entry: a host name, an IPv4/IPv6 address, or either with a /prefix length. */
function isAllowEntry(entry: string): boolean {
  const [host = "", prefix, extra] = entry.split("/");
  if (extra !== undefined || !/^[0-9A-Za-z.:-]+$/.test(host)) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (host.includes(":") ? 128 : 32);
}

/**
 * Every environment variable the hub reads (architecture.md, Configuration).
 * Empty strings count as unset so that `FOO= npm start` means "use the default".
 */
export const envSchema = z.object({
  PORT: port.default(3000),
  HUB_URL: httpUrl.optional(),
  HUB_COUNTRY_CODE: z
    .string()
    .regex(/^[A-Za-z]{2}$/, "must be an ISO 3166-1 alpha-2 country code, two letters")
    .default("NL")
    .transform((value) => value.toUpperCase()),
  HUB_PARTY_ID: z
    .string()
    .regex(/^[A-Za-z0-9]{3}$/, "must be three letters or digits")
    .default("HUB")
    .transform((value) => value.toUpperCase()),
  DATABASE_URL: databaseUrl.optional(),
  DATA_DIR: z.string().min(1).default("./data"),
  NATS_URL: natsUrl.optional(),
  NATS_PREFIX: z
    .string()
    .regex(NATS_PREFIX_PATTERN, "must be one subject token of 1 to 32 letters, digits, _ or -")
    .default(NATS_PREFIX),
  NATS_STREAM_REPLICAS: z.coerce
    .number({ error: "must be a whole number from 1 to 5" })
    .int("must be a whole number from 1 to 5")
    .min(1, "must be a whole number from 1 to 5")
    .max(5, "must be a whole number from 1 to 5")
    .default(1),
  NATS_CREDS: z.string().min(1).optional(),
  ADMIN_TOKEN: z
    .string()
    .min(16, "must be at least 16 characters")
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces")
    .optional(),
  FORWARD_TIMEOUT_MS: z.coerce
    .number({ error: "must be a whole number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(100, "must be at least 100")
    .max(600_000, "must be at most 600000")
    .default(10_000),
  DELIVERY_WINDOW_MS: z.coerce
    .number({ error: "must be a whole number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(1_000, "must be at least 1000")
    .max(86_400_000, "must be at most 86400000")
    .default(120_000),
  DELIVERY_CATCH_UP: trueOrFalse("true"),
  MESSAGE_LOG: trueOrFalse("true"),
  MESSAGE_LOG_BODIES: trueOrFalse("false"),
  MESSAGE_LOG_DAYS: z.coerce
    .number({ error: "must be a whole number of days" })
    .int("must be a whole number of days")
    .min(1, "must be at least 1")
    .max(3650, "must be at most 3650")
    .default(14),
  PROBE_INTERVAL_MS: z.coerce
    .number({ error: "must be a whole number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(500, "must be at least 500")
    .max(86_400_000, "must be at most 86400000")
    .default(300_000),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })
    .default("info"),
  HOST: hostName.default("0.0.0.0"),
  ADMIN_PORT: port.optional(),
  ADMIN_HOST: hostName.default("127.0.0.1"),
  HUB_NAME: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(100, "must be at most 100 characters")
    .default("OCPI Hub"),
  HUB_WEBSITE: websiteUrl.optional(),
  MIGRATE_ON_START: trueOrFalse("true"),
  /** Only "production" changes anything: it requires an https HUB_URL (load.ts). */
  NODE_ENV: z.string().optional(),
  URL_POLICY: z.enum(["strict", "open"], { error: "must be strict or open" }).optional(),
  URL_ALLOW: commaList
    .refine((entries) => entries.every(isAllowEntry), {
      message: "must list host names, IP addresses or CIDRs, separated by commas",
    })
    .default([]),
  TRUSTED_PROXIES: commaList
    .refine(
      (entries) => entries.every((e) => isAllowEntry(e) && isIP(e.split("/")[0] ?? "") !== 0),
      {
        message: "must list IP addresses or CIDRs, separated by commas",
      },
    )
    .default([]),
  MAX_BODY_BYTES: bytes.default(2 * 1024 * 1024),
  MAX_RELAY_BYTES: bytes.default(16 * 1024 * 1024),
  PLATFORM_RATE_LIMIT: z.coerce
    .number({ error: "must be a whole number of requests per second" })
    .int("must be a whole number of requests per second")
    .min(1, "must be at least 1")
    .max(1_000_000, "must be at most 1000000")
    .default(1000),
  VALIDATION: z
    .enum(["tolerant", "strict"], { error: "must be tolerant or strict" })
    .default("tolerant"),
  ROAMING_POLICY: z
    .enum(["open", "agreements"], { error: "must be open or agreements" })
    .default("open"),
  TOKEN_ENCRYPTION_KEY: z
    .string()
    .regex(
      /^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/,
      "must be 32 bytes, as 64 hex digits or 44 characters of Base64",
    )
    .optional(),
});

export type Env = z.infer<typeof envSchema>;

export type DatabaseLocation =
  | { kind: "postgres"; url: string }
  | { kind: "pglite"; dataDir: string }
  | { kind: "pglite-memory" };

/** The validated, resolved configuration; frozen by loadConfig. */
export interface Config {
  port: number;
  hubUrl: string;
  hubCountryCode: string;
  hubPartyId: string;
  database: DatabaseLocation;
  natsUrl: string | undefined;
  /** First token of every NATS subject and the stream's name: deployments sharing a cluster keep apart. */
  natsPrefix: string;
  /** Replicas of the delivery stream (3 on a three-node cluster, so a node may fail). */
  natsStreamReplicas: number;
  /** Path of a NATS .creds file (user JWT and seed); read when connecting. */
  natsCreds: string | undefined;
  adminToken: string | undefined;
  forwardTimeoutMs: number;
  /** How long a delivery is retried before its recipient counts as OFFLINE. */
  deliveryWindowMs: number;
  /** Whether a recipient back from OFFLINE is sent what changed while it was away. */
  deliveryCatchUp: boolean;
  /** MESSAGE_LOG, MESSAGE_LOG_BODIES, MESSAGE_LOG_DAYS: the record of OCPI traffic (docs/messages.md). */
  messageLog: { enabled: boolean; bodies: boolean; days: number };
  /** How often the versions endpoint of an OFFLINE platform is tried. */
  probeIntervalMs: number;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Bind address of the OCPI listener. */
  host: string;
  /**
   * ADMIN_PORT / ADMIN_HOST: a second listener that alone serves /admin,
   * /console and /metrics; undefined keeps everything on PORT.
   */
  adminListener: { port: number; host: string } | undefined;
  /** HUB_NAME / HUB_WEBSITE: the business_details of the hub's HUB role in credentials. */
  hubName: string;
  hubWebsite: string | undefined;
  /** Whether the hub applies pending migrations itself when it starts. */
  migrateOnStart: boolean;
  /** Party-supplied URLs: strict = https to public addresses (and urlAllow); open = anything. */
  urlPolicy: "strict" | "open";
  /** Host names, IP addresses and CIDRs exempt from the public-address rule under strict. */
  urlAllow: readonly string[];
  /**
   * Reverse proxies (IPs, CIDRs) whose X-Forwarded-For names the client;
   * anyone else's is ignored.
   */
  trustedProxies: readonly string[];
  /** Largest inbound request body; past it 413. */
  maxBodyBytes: number;
  /** Largest answer the hub relays or reads from a party; past it 3000. */
  maxRelayBytes: number;
  /** Requests per second one platform may send. */
  platformRateLimit: number;
  /**
   * tolerant accepts the deviations of the tolerance policy
   * (ocpi/tolerance.ts); strict refuses them as the spec's letter does.
   */
  validation: "tolerant" | "strict";
  /**
   * open: every CPO exchanges every module with every eMSP; agreements: only
   * under an active roaming agreement (registry/agreements.ts).
   */
  roamingPolicy: "open" | "agreements";
  /** 32-byte key that encrypts stored party tokens; plain when undefined. */
  tokenEncryptionKey: Buffer | undefined;
}
