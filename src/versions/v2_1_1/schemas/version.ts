import { z } from "zod";
import { Url } from "../../../ocpi/schemas/primitives.js";
import { ModuleId } from "../../../ocpi/schemas/version.js";

/**
 * The functional modules OCPI 2.1.1 defines (versions: ModuleID enum,
 * besides credentials): what a 2.1.1 platform exchanges through the hub,
 * and the endpoints of its version details the hub keeps.
 */
export const MODULES_2_1_1 = [
  "locations",
  "sessions",
  "cdrs",
  "tariffs",
  "tokens",
  "commands",
] as const;
export type Module211 = (typeof MODULES_2_1_1)[number];

/** 2.1.1 versions: VersionNumber enum (2.1 is deprecated but valid). */
export const VersionNumber211 = z.enum(["2.0", "2.1", "2.1.1"]);

/** 2.1.1 versions: Version class, one entry of GET versions (the same as 2.2.1). */
export const Version211Schema = z.object({ version: z.string().min(1), url: Url });
export const VersionList211Schema = z
  .array(Version211Schema)
  .min(1, "must list at least one version");

/**
 * 2.1.1 versions: Endpoint class — no `role`: a 2.1.1 endpoint serves
 * whichever interface its platform's single role implies.
 */
export const Endpoint211Schema = z.object({ identifier: ModuleId, url: Url });
export type Endpoint211 = z.infer<typeof Endpoint211Schema>;

/** 2.1.1 versions: VersionDetails, the data of GET version details (endpoints: `+`). */
export const VersionDetails211Schema = z.object({
  version: z.string().min(1),
  endpoints: z.array(Endpoint211Schema).min(1, "must list at least one endpoint"),
});
export type VersionDetails211 = z.infer<typeof VersionDetails211Schema>;
