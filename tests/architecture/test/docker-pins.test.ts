import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The Dockerfile installs turbo by itself (its prune stage runs before any pnpm install), so its
 * version is written there by hand: this keeps it the one the lockfile resolves, which `pnpm turbo`
 * runs everywhere else.
 */
const ROOT = join(import.meta.dirname, "../../..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");

describe("the Dockerfile's pins", () => {
  it("installs the turbo version the lockfile resolves", () => {
    const locked = [...read("pnpm-lock.yaml").matchAll(/^ {2}turbo@(\d+\.\d+\.\d+):$/gm)].map((m) => m[1]);
    expect(new Set(locked).size, "turbo resolved once in the lockfile").toBe(1);
    expect(read("Dockerfile")).toMatch(new RegExp(`^ARG TURBO_VERSION=${locked[0]!.replaceAll(".", "\\.")}$`, "m"));
  });

  it("installs the pnpm version package.json pins", () => {
    const manifest = JSON.parse(read("package.json")) as { packageManager: string };
    expect(manifest.packageManager).toMatch(/^pnpm@\d+\.\d+\.\d+$/);
    // The deps stage reads packageManager itself, so there is no second copy to keep in step.
    expect(read("Dockerfile")).toContain(`npm install -g "$(node -p 'require("./package.json").packageManager')"`);
  });
});
