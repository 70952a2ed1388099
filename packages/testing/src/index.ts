// Helpers for Tally's tests: a database and a queue prefix of their own per test file, the built apps
// as processes, raw HTTP, and what a request costs.
export { cheapestOf, measureCost, type Cost, type CostBudget } from "./cost.js";
export { eventually } from "./eventually.js";
export { startLatencyProbe, type ProbeResult } from "./latency-probe.js";
export { listen } from "./listen.js";
export { insertMessageRollup } from "./message-rollup.js";
export { expectProblem, type Problem } from "./problem.js";
export { freePort, startApp, waitForLog, type AppName, type AppProcess } from "./processes.js";
export { rawHttp, type RawHttpOptions, type RawResponse } from "./raw-http.js";
export { startSystem, type System, type SystemOptions } from "./system.js";
export { createTestDatabase, runSql, type TestDatabase } from "./test-database.js";
export { createTestRedis } from "./test-redis.js";
export { testConfig } from "./test-servers.js";
