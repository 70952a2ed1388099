import { tallyVitestConfig } from "../../vitest.shared.js";

// depcruise, knip and eslint over a copy of the repository: seconds each.
export default tallyVitestConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
