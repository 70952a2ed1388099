// The worker's fold steps as a public entry point (`@tally/aggregator-worker/folds`): the benchmark
// feeds Postgres with exactly the deployed preparation and statements, without a queue in between.
export type { BatchItem } from "./batch-worker.js";
export { toDomainCountRows } from "./counters/fold-counters.js";
export { countNewCounterJobs } from "./counters/counters.repository.js";
export { toFlowRows } from "./flows/fold-flows.js";
export { countNewFlowJobs } from "./flows/flows.repository.js";
export { toMessageRows } from "./messages/fold-messages.js";
export { countNewMessages } from "./messages/messages.repository.js";
