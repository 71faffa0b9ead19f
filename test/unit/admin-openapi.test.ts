import { describe, expect, it } from "vitest";
import { ADMIN_OPERATIONS, openApiDocument } from "../../src/admin/openapi.js";
import { adminActions } from "../../src/admin/routes.js";

/** Every route the admin API mounts, as "METHOD /path" with Hono's :params. */
function mounted(): string[] {
  const seen = new Set<string>();
  for (const r of adminActions().routes) if (r.method !== "ALL") seen.add(`${r.method} ${r.path}`);
  return [...seen].sort();
}

describe("the admin API's OpenAPI document", () => {
  it("lists every mounted admin route, and no route that is not mounted", () => {
    const documented = ADMIN_OPERATIONS.map((o) => `${o.method} ${o.path}`).sort();
    expect(new Set(documented).size).toBe(documented.length);
    expect(documented).toEqual(mounted());
  });

  it("is OpenAPI 3.1 with the /admin prefix, bearer security and every operation answered", () => {
    const doc = openApiDocument("https://hub.example.com") as any;
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: "https://hub.example.com" }]);
    expect(doc.components.securitySchemes.adminToken).toEqual({ type: "http", scheme: "bearer" });
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops as object).map(([method, op]) => ({ path, method, op: op as any })),
    );
    expect(operations).toHaveLength(ADMIN_OPERATIONS.length);
    for (const { path, op } of operations) {
      expect(path.startsWith("/admin/")).toBe(true);
      expect(path).not.toContain(":");
      expect(op.summary.length).toBeGreaterThan(0);
      expect(op.responses["401"]).toBeDefined();
      for (const name of path.matchAll(/\{([A-Za-z_]+)\}/g))
        expect(op.parameters.some((p: any) => p.in === "path" && p.name === name[1])).toBe(true);
    }
  });

  it("describes request bodies with the schemas the routes validate with", () => {
    const doc = openApiDocument("http://127.0.0.1") as any;
    const invite =
      doc.paths["/admin/platforms"].post.requestBody.content["application/json"].schema;
    expect(invite.type).toBe("object");
    expect(invite.required).toEqual(expect.arrayContaining(["name", "roles"]));
    expect(invite.properties.roles.items.properties.role.enum).toContain("CPO");
    const agreement =
      doc.paths["/admin/agreements"].post.requestBody.content["application/json"].schema;
    expect(Object.keys(agreement.properties)).toEqual(
      expect.arrayContaining(["cpo", "emsp", "modules", "valid_from", "valid_until"]),
    );
    expect(doc.paths["/admin/tokens"].post.requestBody).toBeDefined();
    expect(doc.paths["/admin/platforms/{id}/register"].post.requestBody).toBeDefined();
  });
});
