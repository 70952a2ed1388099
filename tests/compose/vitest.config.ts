import { tallyVitestConfig } from "../../vitest.shared.js";

// One file, one compose project: built and started once (minutes when Docker's cache is cold), checked
// in order, removed at the end. `pnpm test` never runs it (no `test` script); `pnpm test:compose` does.
export default tallyVitestConfig({
  include: ["test/**/*.test.ts"],
  testTimeout: 300_000,
  hookTimeout: 35 * 60_000,
  fileParallelism: false,
});
