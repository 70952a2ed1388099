import { tallyVitestConfig } from "../../vitest.shared.js";

// One system for the whole suite, tens of thousands of requests, and shrinking on failure: long limits.
export default tallyVitestConfig({ include: ["test/**/*.test.ts"], testTimeout: 180_000, hookTimeout: 90_000 });
