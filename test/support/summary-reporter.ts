import { relative } from "node:path";
import type { Reporter, SerializedError, TestModule } from "vitest/node";

/** How much of one error the summary keeps: enough to name the cause, short enough to read. */
const ERROR_LINES = 12;

/**
 * Ends the run with one plain line, `tests: N passed, N failed, N skipped`,
 * preceded, when anything failed, by a `failures:` section naming each failed
 * test, failed file and unhandled error with the head of its message and
 * stack. `.ci/run` prints that section again at the very end of its output,
 * so a failure is readable from the tail of a long log.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    modules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const failures: string[] = [];
    for (const module of modules) {
      const tests = [...module.children.allTests()];
      // A file can fail with no failed test: an import that throws, a hook, a leaked error.
      if (module.state() === "failed" && !tests.some((test) => test.result().state === "failed")) {
        counts.failed += 1;
        failures.push(describe(fromRoot(module.moduleId), module.errors()));
      }
      for (const test of tests) {
        const result = test.result();
        if (result.state === "passed") counts.passed += 1;
        else if (result.state === "failed") {
          counts.failed += 1;
          failures.push(
            describe(`${fromRoot(module.moduleId)} > ${test.fullName}`, result.errors ?? []),
          );
        } else counts.skipped += 1;
      }
    }
    for (const error of unhandledErrors) failures.push(describe("unhandled error", [error]));
    if (failures.length > 0) {
      process.stdout.write(`\nfailures:\n${failures.join("\n")}\n`);
    }
    process.stdout.write(
      `\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`,
    );
  }
}

function describe(what: string, errors: ReadonlyArray<SerializedError>): string {
  const lines = [`- ${what}`];
  for (const error of errors) {
    const text = error.stack ?? `${error.name ?? "Error"}: ${error.message}`;
    lines.push(
      ...text
        .split("\n")
        .filter((line) => !/node_modules|^\s*at new Promise/.test(line))
        .slice(0, ERROR_LINES)
        .map((line) => `    ${line}`),
    );
  }
  return lines.join("\n");
}

function fromRoot(path: string): string {
  return relative(process.cwd(), path);
}
