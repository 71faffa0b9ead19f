import { z } from "zod";
import { Url } from "./primitives.js";

/** versions: VersionNumber enum (2.1 and 2.2 are deprecated but valid). */
export const VersionNumber = z.enum(["2.0", "2.1", "2.1.1", "2.2", "2.2.1"]);

/** versions: InterfaceRole enum. */
export const InterfaceRole = z.enum(["SENDER", "RECEIVER"]);
export type InterfaceRole = z.infer<typeof InterfaceRole>;

/** versions: ModuleID — the standard identifiers, or a custom one agreed between parties. */
export const ModuleId = z.string().min(1).max(255);

/** versions: Version class, one entry of GET versions. */
export const VersionSchema = z.object({ version: z.string().min(1), url: Url });
export const VersionListSchema = z.array(VersionSchema);

/** versions: Endpoint class. */
export const EndpointSchema = z.object({ identifier: ModuleId, role: InterfaceRole, url: Url });
export type Endpoint = z.infer<typeof EndpointSchema>;

/** versions: VersionDetails, the data of GET version details. */
export const VersionDetailsSchema = z.object({
  version: z.string().min(1),
  endpoints: z.array(EndpointSchema),
});
export type VersionDetails = z.infer<typeof VersionDetailsSchema>;
