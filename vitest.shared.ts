import { defineConfig, type ViteUserConfig } from "vitest/config";

/**
 * The vitest settings every package shares. Besides the console, each run writes
 * `.vitest-results.json`, which .ci/run adds up into one "N passed, N failed" line.
 */
export function tallyVitestConfig(test: NonNullable<ViteUserConfig["test"]> = {}) {
  return defineConfig({
    test: {
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      testTimeout: 20_000,
      hookTimeout: 30_000,
      reporters: ["default", "json"],
      outputFile: { json: ".vitest-results.json" },
      ...test,
    },
  });
}
