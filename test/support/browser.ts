import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's Chromium, which .ci/run installs; nothing is downloaded. */
export const CHROMIUM = "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}

/**
 * Everything that went wrong in a page: console errors, uncaught
 * exceptions, failed requests and answers of 400 or more not listed as
 * expected. A test asserts the list is empty at the end.
 */
export function watchProblems(page: Page, expected: (url: string, status: number) => boolean) {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (r) =>
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`),
  );
  page.on("response", (r) => {
    if (r.status() >= 400 && !expected(r.url(), r.status()))
      problems.push(`answer ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return problems;
}
