/** One sample of the Prometheus text exposition format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
}

export interface Exposition {
  families: Map<string, Family>;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
/** A float as Prometheus reads it (Go's ParseFloat: Inf and NaN in any case; prom-client writes "Nan"). */
const VALUE = /^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|[+-]?inf|nan)$/i;
const SUFFIXES: Record<string, string[]> = {
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["_sum", "_count"],
};

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const at = LABEL.lastIndex;
    const m = LABEL.exec(text);
    if (m === null || m.index !== at) throw new Error(`bad label syntax in: ${line}`);
    const [, key, raw] = m as unknown as [string, string, string];
    if (key in labels) throw new Error(`label ${key} repeated in: ${line}`);
    labels[key] = raw.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
  }
  return labels;
}

/** The family a sample name belongs to: itself, or a histogram's or summary's with a suffix taken off. */
function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  const own = families.get(name);
  if (own !== undefined) return own;
  for (const family of families.values()) {
    for (const suffix of SUFFIXES[family.type] ?? []) {
      if (name === `${family.name}${suffix}`) return family;
    }
  }
  return undefined;
}

/**
 * Parses the whole text, throwing on any line that is not a comment, blank
 * or `name{labels} value`, and on a sample whose family has no HELP and TYPE.
 */
export function parseExposition(text: string): Exposition {
  const families = new Map<string, Family>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      const [, kind, name, ...rest] = line.split(" ");
      if (kind === "HELP" && name !== undefined && NAME.test(name)) help.set(name, rest.join(" "));
      else if (kind === "TYPE" && name !== undefined && NAME.test(name) && rest.length === 1) {
        families.set(name, { name, type: rest[0] as string, help: help.get(name) ?? "" });
      } else if (kind === "HELP" || kind === "TYPE") throw new Error(`bad comment: ${line}`);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (m === null) throw new Error(`not a sample: ${line}`);
    const [, name, labelText, value] = m as unknown as [string, string, string | undefined, string];
    if (!VALUE.test(value)) throw new Error(`bad value in: ${line}`);
    const family = familyOf(name, families);
    if (family === undefined) throw new Error(`sample without TYPE: ${line}`);
    if (!help.has(family.name)) throw new Error(`sample without HELP: ${line}`);
    samples.push({ name, labels: parseLabels(labelText ?? "", line), value: Number(value) });
  }
  return { families, samples };
}

/** The samples of one name whose labels include `labels`. */
export function samplesOf(
  exposition: Exposition,
  name: string,
  labels: Record<string, string> = {},
): Sample[] {
  return exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

/** Every name a scrape exports: families, and a histogram's or summary's suffixed series. */
export function exportedNames(exposition: Exposition): Set<string> {
  const names = new Set<string>();
  for (const f of exposition.families.values()) {
    names.add(f.name);
    for (const suffix of SUFFIXES[f.type] ?? []) names.add(`${f.name}${suffix}`);
  }
  return names;
}
