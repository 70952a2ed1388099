import { tallyVitestConfig } from "../../vitest.shared.js";

// Measures time, latency and memory of a real ingest process, so it runs alone on the machine:
// `pnpm test` never runs it (no `test` script); `pnpm test:hostile` does, after it.
export default tallyVitestConfig({ include: ["test/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 60_000, fileParallelism: false });
