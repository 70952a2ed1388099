import { tallyVitestConfig } from "../../vitest.shared.js";

// One long test: private servers, a minute and more of load under chaos, then a bounded drain.
// `pnpm test` never runs it (no `test` script); `pnpm --filter @tally/chaos test:chaos` does.
export default tallyVitestConfig({
  include: ["test/**/*.test.ts"],
  testTimeout: 240_000,
  hookTimeout: 90_000,
  teardownTimeout: 30_000,
  fileParallelism: false,
});
