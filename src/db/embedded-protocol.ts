/** What the hub's thread and the embedded database's thread send each other (embedded-thread.ts). */

/** A parameter of a binary statement: bytes as they are, or key lines to send as their hashes. */
export type BinaryParam = string | number | Uint8Array | { hashLines: Uint8Array };

/** What PGlite may start from besides a directory: compiled modules and a dump (tests). */
export interface OpenOptions {
  pgliteWasmModule?: WebAssembly.Module;
  initdbWasmModule?: WebAssembly.Module;
  fsBundle?: Blob;
  /** A dump of a data directory (PGlite's dumpDataDir) to start from. */
  loadDataDir?: Blob;
}

export type Request = { seq: number; db: number } & (
  | { op: "open"; dataDir?: string; options?: OpenOptions }
  | {
      op: "query";
      tx?: number;
      sql: string;
      params: unknown[];
      rowMode: "array" | "object";
      /** Types answered as their text: the caller applies its own parsers to them. */
      textTypes: number[];
    }
  | { op: "binary"; sql: string; params: BinaryParam[] }
  /** The export `name` of the module at `module` (a URL), run here on the database (EmbeddedClient.task). */
  | { op: "task"; module: string; name: string }
  | { op: "begin"; tx: number }
  | { op: "end"; tx: number; commit: boolean }
  | { op: "close" }
);

/** A database error's message and fields (code, detail, table…), to be thrown again as one. */
export interface SentError {
  message: string;
  name?: string;
  fields: Record<string, unknown>;
}

export type Answer = { seq: number } & ({ result: unknown } | { error: SentError });
