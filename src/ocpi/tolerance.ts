import { z } from "zod";

/**
 * The tolerance policy: deviations from OCPI 2.2.1 that implementations in
 * the market write and that carry the same meaning as the spec's form. The
 * hub accepts them (and forwards the bytes as received: it never rewrites a
 * payload) unless VALIDATION=strict; everything else that breaks a MUST is
 * refused either way. Spec references name a file of the OCPI 2.2.1
 * specification and its section.
 */
export type ValidationMode = "tolerant" | "strict";

export interface ToleranceRule {
  /** Named in the 2001 of a strict hub and in the README. */
  id: string;
  /** What is accepted besides the spec's form. */
  tolerates: string;
  /** Why it means the same thing. */
  why: string;
  spec: string;
  /** A value of the spec's form, standing in for a tolerated one when the parsed value is rebuilt. */
  standIn: string;
}

export const TOLERANCE = {
  utcOffset: {
    id: "utc-offset",
    tolerates: "a DateTime with the offset +00:00 instead of Z, with or without fractional seconds",
    why: "RFC 3339 defines +00:00 as UTC; Python's isoformat() writes it. The spec's note against it asks for Z, it names no other instant. Other offsets and a space for the T stay refused",
    spec: "types.asciidoc › DateTime type",
    standIn: "2000-01-01T00:00:00Z",
  },
  coordinatePrecision: {
    id: "coordinate-precision",
    tolerates:
      "a GeoLocation latitude or longitude with fewer than 5 decimals (47.179, 0.0, 52), within ±90 and ±180",
    why: "the regex's five decimals are a precision wish (its note: about 1 m); a coordinate printed from a float is still a decimal degree in range",
    spec: "mod_locations.asciidoc › GeoLocation class (also mod_cdrs.asciidoc › CdrLocation class)",
    /** Six decimals: of the spec's form in 2.2.1 (five to seven) and in 2.1.1 (six). */
    standIn: "0.000000",
  },
  midnightEnd: {
    id: "midnight-end",
    tolerates: 'a RegularHours period_end of "24:00"',
    why: "OCPI 2.2.1 has no other way to say that a period lasts until midnight",
    spec: "mod_locations.asciidoc › RegularHours class",
    standIn: "23:59",
  },
  imageType: {
    id: "image-type",
    tolerates:
      'an Image type longer than 4 characters, such as a MIME type ("image/png") or "webp2"',
    why: "many platforms fill it from the file's content type; it still says what the image is, and a logo should not block a whole registration",
    spec: "mod_locations.asciidoc › Image class (CiString(4))",
    standIn: "png",
  },
  displayTextLanguage: {
    id: "display-text-language",
    tolerates: 'a DisplayText language longer than 2 characters: a language tag ("en-GB", "eng")',
    why: "platforms pass their locale on; the text is still in a named language. Other language fields (Token.language) stay as the spec says",
    spec: "types.asciidoc › DisplayText class",
    standIn: "en",
  },
} as const satisfies Record<string, ToleranceRule>;

/** Every rule of the policy, in the order of the table. */
export const TOLERANCE_RULES: readonly ToleranceRule[] = Object.values(TOLERANCE);

/** The rule a zod issue is tagged with, when it only breaks the spec's letter. */
export function toleranceOf(issue: z.core.$ZodIssue): ToleranceRule | undefined {
  if (issue.code !== "custom") return undefined;
  const id = (issue.params as { tolerance?: unknown } | undefined)?.tolerance;
  return TOLERANCE_RULES.find((rule) => rule.id === id);
}

/** A value quoted for a message, cut short: the message names it, never repeats a whole body. */
const quote = (value: string) =>
  JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/**
 * A string field with a tolerated form: the spec's schema decides; a value
 * only `accepts` takes raises one issue tagged with `rule` (which validate()
 * ignores unless strict), and any other value the spec's own issues. The
 * issues never abort, so the checks of the enclosing objects still run.
 */
export function tolerated(
  spec: z.ZodType<string>,
  rule: ToleranceRule,
  accepts: (value: string) => boolean,
) {
  return z.string().check((payload) => {
    const value = payload.value;
    const result = spec.safeParse(value);
    if (result.success) return;
    if (accepts(value)) {
      payload.issues.push({
        code: "custom",
        input: value,
        message: `${result.error.issues[0]?.message ?? "is not of the spec's form"}; ${quote(value)} is accepted only by the tolerance rule ${rule.id}, which VALIDATION=strict turns off`,
        params: { tolerance: rule.id },
        continue: true,
      });
      return;
    }
    for (const issue of result.error.issues) {
      payload.issues.push({
        code: "custom",
        input: value,
        message: issue.message,
        path: issue.path,
        continue: true,
      });
    }
  });
}
