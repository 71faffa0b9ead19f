import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The spec's JSON examples, copied unchanged (see ocpi-examples/README.md). */
const EXAMPLES_DIR = fileURLToPath(new URL("./ocpi-examples/", import.meta.url));

/** One of the spec's JSON examples, parsed afresh: callers may change their copy. */
export function example(file: string): any {
  return JSON.parse(readFileSync(`${EXAMPLES_DIR}${file}`, "utf8"));
}

/** The file names of every JSON example, e.g. "location_example.json". */
export function exampleFiles(): string[] {
  return readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith(".json"));
}
