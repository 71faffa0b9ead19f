import { describe, expect, it } from "vitest";
import { adminAction } from "../../src/admin/audit-trail.js";
import { adminRoutes } from "../../src/admin/routes.js";

/** Every route mounted under /admin with a method that changes something. */
const changingRoutes = adminRoutes()
  .routes.filter((r) => !["GET", "HEAD", "OPTIONS", "ALL"].includes(r.method))
  .map((r) => ({ method: r.method, path: r.path }));

describe("admin actions in the audit log", () => {
  it("names an action and a target for every admin route that changes something", () => {
    expect(changingRoutes.length).toBeGreaterThan(10);
    const unnamed = changingRoutes.filter(
      (r) => adminAction(r.method, r.path.replace(/:\w+/g, "some-id")) === undefined,
    );
    expect(unnamed).toEqual([]);
  });

  it.each([
    ["POST", "/platforms", "platform.invite", "platform"],
    ["POST", "/platforms/p1/suspend", "platform.suspend", "platform/p1"],
    ["POST", "/platforms/p1/token-a", "platform.token-a", "platform/p1"],
    ["DELETE", "/platforms/p%201", "platform.delete", "platform/p 1"],
    ["POST", "/agreements/a1/end", "agreement.end", "agreement/a1"],
    ["POST", "/tokens", "token.issue", "token"],
    ["DELETE", "/tokens/t1", "token.revoke", "token/t1"],
  ])("%s %s is %s of %s", (method, path, action, target) => {
    expect(adminAction(method, path)).toEqual({ action, target });
  });

  it.each([
    ["GET", "/platforms"],
    ["GET", "/audit"],
    ["POST", "/platforms/p1/unknown"],
    ["DELETE", "/agreements/a1"],
  ])("%s %s is no action", (method, path) => {
    expect(adminAction(method, path)).toBeUndefined();
  });

  it("keeps a malformed escape in a target as it came", () => {
    expect(adminAction("DELETE", "/tokens/%E0%A4%A")?.target).toBe("token/%E0%A4%A");
  });
});
