import { describe, expect, it } from "vitest";
import { describePath } from "../../src/messages/describe.js";

/** What the log read of a path when it split it at every "/": the reading describePath keeps. */
function bySplit(path: string) {
  const parts = path.split("/");
  if (parts[1] !== "ocpi") return { module: null, interface: null, objectId: null };
  if (parts[2] === "versions" || parts.length < 4)
    return { module: "versions", interface: null, objectId: null };
  const module = parts[3] || null;
  const role = parts[4];
  if (role !== "sender" && role !== "receiver")
    return { module, interface: null, objectId: parts[4] || null };
  const rest = parts.length - 5;
  const id =
    role === "receiver"
      ? rest >= 3
        ? parts[7] || null
        : rest >= 1
          ? parts[5] || null
          : null
      : rest >= 1
        ? parts[5] || null
        : null;
  const decoded = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return { module, interface: role, objectId: id === null ? null : decoded(id) };
}

describe("the module, interface and object of an OCPI path", () => {
  it.each([
    ["/ocpi/2.2.1/locations/sender/LOC1", "locations", "sender", "LOC1"],
    ["/ocpi/2.2.1/locations/sender/LOC1/EVSE1/C1", "locations", "sender", "LOC1"],
    ["/ocpi/2.2.1/locations/sender", "locations", "sender", null],
    ["/ocpi/2.2.1/sessions/receiver/NL/CPO/S%201", "sessions", "receiver", "S 1"],
    ["/ocpi/2.2.1/sessions/receiver/NL/CPO", "sessions", "receiver", "NL"],
    ["/ocpi/2.2.1/tokens/receiver/NL/EMS/T1/authorize", "tokens", "receiver", "T1"],
    ["/ocpi/2.2.1/commands/START_SESSION", "commands", null, "START_SESSION"],
    ["/ocpi/2.2.1/credentials", "credentials", null, null],
    ["/ocpi/2.2.1/locations/sender/%E0%A4%A", "locations", "sender", "%E0%A4%A"],
    ["/ocpi/2.2.1/locations/sender?offset=0", "locations", null, "sender?offset=0"],
    ["/ocpi/2.2.1/locations/sender/", "locations", "sender", null],
  ])("reads %s", (path, module, iface, objectId) => {
    expect(describePath(path)).toEqual({ module, interface: iface, objectId });
  });

  it.each(["/ocpi/versions", "/ocpi/2.2.1", "/ocpi", "/ocpi/versions/2.2.1/locations"])(
    "reads %s as the versions module",
    (path) => {
      expect(describePath(path)).toEqual({ module: "versions", interface: null, objectId: null });
    },
  );

  it.each([
    "/admin/platforms",
    "/",
    "",
    "ocpi/2.2.1/locations",
    "/ocpix/2.2.1/locations",
    "//ocpi",
  ])("reads nothing of %s", (path) => {
    expect(describePath(path)).toEqual({ module: null, interface: null, objectId: null });
  });

  it("reads any path as splitting it at every slash did", () => {
    const pieces = ["", "ocpi", "versions", "2.2.1", "locations", "sender", "receiver", "NL"];
    pieces.push("CPO", "LOC%201", "x?y=1", "%E0%A4%A", "ocp", "ocpix", "commands", "S/1");
    for (let i = 0; i < 20_000; i++) {
      const count = 1 + (i % 11);
      const segments = Array.from({ length: count }, (_, j) =>
        j === 1 && i % 5 !== 0
          ? "ocpi"
          : (pieces[(i * 7 + j * 13 + (i >> 3)) % pieces.length] ?? ""),
      );
      const path = (i % 17 === 0 ? "x" : "") + segments.join("/");
      expect(describePath(path), path).toEqual(bySplit(path));
    }
  });
});
