export * from "./agreements.js";
export * from "./cache.js";
export * from "./client-infos.js";
export * from "./delivery.js";
export * from "./parties.js";
export * from "./platforms.js";
export * from "./routing.js";
export * from "./settings.js";
