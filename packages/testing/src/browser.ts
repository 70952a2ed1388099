import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

export { openDocsPage, tryItOut } from "./swagger-ui.js";

/** Debian's Chromium (`apt-get install -y chromium`); TEST_CHROMIUM names another. */
const CHROMIUM = process.env.TEST_CHROMIUM ?? "/usr/bin/chromium";
// Without the background-networking flags Chromium calls home, which a closed network refuses.
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Headless Chromium from the machine (playwright's own download cannot work here), or an error saying how to get it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`this test drives Chromium, which is not installed at ${CHROMIUM}: apt-get install -y chromium (or set TEST_CHROMIUM to another binary)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Everything that goes wrong in the page from now on: console errors, uncaught exceptions, failed or refused requests. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && problems.push(`console: ${m.text()}`)));
  page.on("pageerror", (e) => void problems.push(`uncaught: ${e.message}`));
  page.on("requestfailed", (r) => void problems.push(`failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.on("response", (r) => void (r.status() >= 400 && problems.push(`${r.status()}: ${r.url()}`)));
  return problems;
}
