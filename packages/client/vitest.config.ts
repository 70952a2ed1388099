import { tallyVitestConfig } from "../../vitest.shared.js";

export default tallyVitestConfig();
