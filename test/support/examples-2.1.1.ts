import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The OCPI 2.1.1 specification pages that carry JSON examples (see ocpi-2.1.1/README.md). */
const PAGES_DIR = fileURLToPath(new URL("./ocpi-2.1.1/", import.meta.url));

export type Page211 =
  | "credentials"
  | "mod_cdrs"
  | "mod_commands"
  | "mod_locations"
  | "mod_sessions"
  | "mod_tariffs"
  | "mod_tokens"
  | "transport_and_format"
  | "version_information_endpoint";

/** One JSON example of a 2.1.1 page: where it stands and its text. */
export interface Example211 {
  page: Page211;
  /** 1-based line of the opening fence. */
  line: number;
  /** The nearest heading above it, e.g. "3.1.2 Example". */
  heading: string;
  text: string;
}

const FENCE = /^```\s*json\s*$/i;

/** The ```json blocks of a page, unparsed (some are fragments or carry comments). */
export function examples211(page: Page211): Example211[] {
  const lines = readFileSync(`${PAGES_DIR}${page}.md`, "utf8").split("\n");
  const found: Example211[] = [];
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.startsWith("#")) heading = line.replace(/^#+\s*/, "").trim();
    if (!FENCE.test(line)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] ?? "").startsWith("```"); i++)
      body.push(lines[i] ?? "");
    found.push({ page, line: start + 1, heading, text: body.join("\n") });
  }
  return found;
}

/** An example parsed afresh (callers may change their copy); throws when it is not JSON. */
export function parse211(e: Example211): any {
  return JSON.parse(e.text);
}
