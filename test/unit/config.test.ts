import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/load.js";

describe("loadConfig", () => {
  it("gives the documented defaults on an empty environment", () => {
    const config = loadConfig({});
    expect(config).toEqual({
      port: 3000,
      hubUrl: "http://localhost:3000",
      hubCountryCode: "NL",
      hubPartyId: "HUB",
      database: { kind: "pglite", dataDir: "./data" },
      natsUrl: undefined,
      natsPrefix: "ocpi",
      natsStreamReplicas: 1,
      natsCreds: undefined,
      adminToken: undefined,
      forwardTimeoutMs: 10_000,
      deliveryWindowMs: 120_000,
      deliveryCatchUp: true,
      probeIntervalMs: 300_000,
      logLevel: "info",
      host: "0.0.0.0",
      urlPolicy: "open",
      urlAllow: [],
      trustedProxies: [],
      maxBodyBytes: 2 * 1024 * 1024,
      maxRelayBytes: 16 * 1024 * 1024,
      platformRateLimit: 1000,
      validation: "tolerant",
      roamingPolicy: "open",
      tokenEncryptionKey: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reads every variable of the architecture table", () => {
    const config = loadConfig({
      PORT: "8080",
      HUB_URL: "https://hub.example.com/",
      HUB_COUNTRY_CODE: "de",
      HUB_PARTY_ID: "abc",
      DATABASE_URL: "postgres://u@db:5432/hub",
      DATA_DIR: "/var/lib/hub",
      NATS_URL: "nats://nats:4222",
      ADMIN_TOKEN: "a-long-enough-admin-token",
      FORWARD_TIMEOUT_MS: "2500",
      DELIVERY_WINDOW_MS: "30000",
      DELIVERY_CATCH_UP: "false",
      PROBE_INTERVAL_MS: "60000",
      LOG_LEVEL: "debug",
      HOST: "127.0.0.1",
      URL_ALLOW: "partner.example.com, 10.1.0.0/16",
      TRUSTED_PROXIES: "10.0.0.1, fd00::/8",
      MAX_BODY_BYTES: "65536",
      MAX_RELAY_BYTES: "1048576",
      PLATFORM_RATE_LIMIT: "50",
      VALIDATION: "strict",
      ROAMING_POLICY: "agreements",
      TOKEN_ENCRYPTION_KEY: "ab".repeat(32),
    });
    expect(config).toMatchObject({
      port: 8080,
      hubUrl: "https://hub.example.com",
      hubCountryCode: "DE",
      hubPartyId: "ABC",
      database: { kind: "postgres", url: "postgres://u@db:5432/hub" },
      natsUrl: "nats://nats:4222",
      adminToken: "a-long-enough-admin-token",
      forwardTimeoutMs: 2500,
      deliveryWindowMs: 30_000,
      deliveryCatchUp: false,
      probeIntervalMs: 60_000,
      logLevel: "debug",
      host: "127.0.0.1",
      urlPolicy: "strict",
      urlAllow: ["partner.example.com", "10.1.0.0/16"],
      trustedProxies: ["10.0.0.1", "fd00::/8"],
      maxBodyBytes: 65_536,
      maxRelayBytes: 1_048_576,
      platformRateLimit: 50,
      validation: "strict",
      roamingPolicy: "agreements",
    });
    expect(config.tokenEncryptionKey).toEqual(Buffer.alloc(32, 0xab));
    expect(loadConfig({ HUB_URL: "https://h.example", URL_POLICY: "open" }).urlPolicy).toBe("open");
    expect(loadConfig({ PORT: "4000" }).hubUrl).toBe("http://localhost:4000");
    expect(loadConfig({ DATABASE_URL: "memory://" }).database).toEqual({ kind: "pglite-memory" });
  });

  it("treats empty values as unset", () => {
    expect(loadConfig({ PORT: "", NATS_URL: "" })).toMatchObject({
      port: 3000,
      natsUrl: undefined,
    });
  });

  it.each([
    ["PORT", "abc"],
    ["PORT", "70000"],
    ["PORT", "3.5"],
    ["HUB_URL", "hub.example.com"],
    ["HUB_COUNTRY_CODE", "NLD"],
    ["HUB_PARTY_ID", "HU"],
    ["DATABASE_URL", "mysql://localhost/x"],
    ["NATS_URL", "http://nats:4222"],
    ["ADMIN_TOKEN", "short"],
    ["FORWARD_TIMEOUT_MS", "soon"],
    ["DELIVERY_WINDOW_MS", "500"],
    ["DELIVERY_CATCH_UP", "yes"],
    ["PROBE_INTERVAL_MS", "-1"],
    ["LOG_LEVEL", "loud"],
    ["HOST", "a host"],
    ["URL_POLICY", "loose"],
    ["URL_ALLOW", "partner.example.com, not a host"],
    ["URL_ALLOW", "10.0.0.0/99"],
    ["TRUSTED_PROXIES", "proxy.example.com"],
    ["MAX_BODY_BYTES", "10"],
    ["MAX_RELAY_BYTES", "lots"],
    ["VALIDATION", "lenient"],
    ["ROAMING_POLICY", "closed"],
    ["PLATFORM_RATE_LIMIT", "0"],
    ["TOKEN_ENCRYPTION_KEY", "too-short"],
  ])("refuses %s=%s with one line naming the variable", (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(name);
    expect(message).not.toContain("\n");
  });

  it("names every bad variable at once and never echoes the admin token", () => {
    const message = (() => {
      try {
        loadConfig({ PORT: "x", LOG_LEVEL: "loud", ADMIN_TOKEN: "secret" });
      } catch (err) {
        return (err as Error).message;
      }
      return "";
    })();
    expect(message).toMatch(/PORT.*LOG_LEVEL.*ADMIN_TOKEN|PORT.*ADMIN_TOKEN.*LOG_LEVEL/);
    expect(message).not.toContain("secret");
  });
});
