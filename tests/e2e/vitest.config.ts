import { tallyVitestConfig } from "../../vitest.shared.js";

// Each test starts real processes and waits for them: longer limits than unit tests.
export default tallyVitestConfig({ include: ["test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 });
