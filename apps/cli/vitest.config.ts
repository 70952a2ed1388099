import { tallyVitestConfig } from "../../vitest.shared.js";

// The integration tests start the built apps as processes and load files through them: e2e-sized limits.
export default tallyVitestConfig({ testTimeout: 90_000, hookTimeout: 60_000 });
