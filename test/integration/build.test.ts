import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

/**
 * The compiled build, checked without compiling (a full tsc emit takes most
 * of a minute): what `npm run build` would compile and where it would put
 * it, and that the compiled entries find what they read at run time.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const scripts = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts as Record<
  string,
  string
>;

describe("npm scripts", () => {
  it("starts and migrates with exec, so the hub is npm's only child and gets its signals", () => {
    // With the hub's V8 settings (docs/production.md; test/unit/deploy-files.test.ts).
    expect(scripts.start).toBe("exec node --max-semi-space-size=32 --import tsx src/main.ts");
    expect(scripts.migrate).toBe("exec node --import tsx src/migrate.ts");
    expect(scripts.build).toMatch(/tsc -p tsconfig\.build\.json$/);
  });
});

describe("tsconfig.build.json", () => {
  it("compiles src alone, to dist, with the type checks of tsconfig.json", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--showConfig"],
      { cwd: ROOT },
    );
    const shown = JSON.parse(stdout) as {
      compilerOptions: Record<string, unknown>;
      files: string[];
    };
    expect(shown.compilerOptions).toMatchObject({
      noEmit: false,
      rootDir: "./src",
      outDir: "./dist",
      strict: true,
      module: "nodenext",
    });
    const files = shown.files.map((f) => relative(ROOT, join(ROOT, f)));
    expect(files).toContain("src/main.ts");
    expect(files).toContain("src/migrate.ts");
    // Started by dist/db/embedded-thread.js from the file beside it, not imported.
    expect(files).toContain("src/db/embedded-worker.ts");
    expect(files.every((f) => f.startsWith("src/"))).toBe(true);
  });

  it("leaves drizzle/ where dist/db/migrate.js looks for it, as src/db/migrate.ts does", () => {
    const source = readFileSync(join(ROOT, "src/db/migrate.ts"), "utf8");
    const relativePath = /new URL\("([^"]+)", import\.meta\.url\)/.exec(source)?.[1];
    expect(relativePath).toBe("../../drizzle");
    for (const from of ["src/db/migrate.ts", "dist/db/migrate.js"]) {
      const folder = fileURLToPath(
        new URL(relativePath as string, pathToFileURL(join(ROOT, from))),
      );
      expect(folder).toBe(join(ROOT, "drizzle"));
    }
    expect(existsSync(join(ROOT, "drizzle/meta/_journal.json"))).toBe(true);
  });
});
