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

/**
 * The spec's session or CDR example in `file` as `cpo`'s object (`id`, or
 * the example's own), with a cdr_token of `emsp`.
 */
export function forEmsp(
  file: string,
  cpo: { country_code: string; party_id: string },
  emsp: { country_code: string; party_id: string },
  id?: string,
): any {
  const base = example(file);
  return {
    ...base,
    country_code: cpo.country_code,
    party_id: cpo.party_id,
    ...(id === undefined ? {} : { id }),
    cdr_token: { ...base.cdr_token, country_code: emsp.country_code, party_id: emsp.party_id },
  };
}
