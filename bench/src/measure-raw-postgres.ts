import { randomUUID } from "node:crypto";
import {
  countNewCounterJobs,
  countNewFlowJobs,
  countNewMessages,
  toDomainCountRows,
  toFlowRows,
  toMessageRows,
  type BatchItem,
} from "@tally/aggregator-worker/folds";
import type { Database } from "@tally/shared/db";
import type { CountersJob, FlowsJob, MessagesJob } from "@tally/shared/jobs";
import { QUARTER_HOUR_MS } from "@tally/shared/time";
import type { Kysely } from "kysely";
import { counterAt, flowKey, messageKey, uuidSource } from "./bodies.js";

/**
 * The ceiling the worker works under: its own preparation and ledger + rollup statements (imported from
 * the worker's public `folds` entry, so they are exactly the deployed code), fed straight from this
 * process — no HTTP, no queue. Batches
 * are shaped like the worker's when it has a backlog, as in the batched phases: it holds
 * WORKER_CONCURRENCY jobs of up to MAX_EVENTS_PER_JOB events and folds them in one statement, one
 * batch at a time (its jobs complete only when their batch commits). The next batch is built here
 * while the statement runs, as the worker does. Keys are those of the HTTP phases (bodies.ts).
 */
export interface RawShape {
  eventsPerJob: number;
  jobsPerBatch: number;
}

export type RawKind = "messages" | "counters" | "flows";

export interface RawResult {
  kind: RawKind;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  batches: number;
  shape: RawShape;
}

type Batch = { events: number; run: (db: Kysely<Database>) => Promise<unknown> };

/** `datedEveryMs`: messages are dated to the quarter hour (or, to measure the hourly rollup of before, the hour). */
export async function measureRawPostgres(
  db: Kysely<Database>,
  kind: RawKind,
  base: number,
  seconds: number,
  shape: RawShape,
  datedEveryMs = QUARTER_HOUR_MS,
): Promise<RawResult> {
  const make = batchMaker(kind, base, shape, datedEveryMs);
  let events = 0;
  let batches = 0;
  let next = make();
  const started = performance.now();
  // At least two batches, however short the run: the first pays for cold caches.
  while (performance.now() < started + seconds * 1000 || batches < 2) {
    const batch = next;
    const running = batch.run(db);
    next = make();
    await running;
    events += batch.events;
    batches += 1;
  }
  const elapsed = (performance.now() - started) / 1000;
  return { kind, events, seconds: elapsed, eventsPerSecond: events / elapsed, batches, shape };
}

function batchMaker(kind: RawKind, base: number, { eventsPerJob, jobsPerBatch }: RawShape, datedEveryMs: number): () => Batch {
  const events = eventsPerJob * jobsPerBatch;
  let n = 0;
  /** A batch as the worker holds it: `jobsPerBatch` jobs of `eventsPerJob` events each. */
  const jobs = <T>(job: () => T): BatchItem<T>[] =>
    Array.from({ length: jobsPerBatch }, () => ({ jobId: randomUUID(), data: job(), queuedAt: Date.now() }));
  const each = <T>(event: () => T) => Array.from({ length: eventsPerJob }, event);
  if (kind === "messages") {
    const uuid = uuidSource();
    const quarter = Math.floor(Date.now() / datedEveryMs) * datedEveryMs;
    return () => {
      const batch = jobs<MessagesJob>(() => ({ quarter, messages: each(() => ({ ...messageKey(n++, base), amount: "1.250", uuid: uuid() })) }));
      const rows = toMessageRows(batch.map((item) => item.data));
      return { events, run: (db) => countNewMessages(db, rows) };
    };
  }
  if (kind === "counters") {
    return () => {
      const batch = jobs<CountersJob>(() => ({
        counters: each(() => {
          const { timestamp, domains } = counterAt(n++, base);
          return { timestamp, counts: domains.map((domain): [string, number] => [domain, 1]) };
        }),
      }));
      const { jobs: ledger, rows } = toDomainCountRows(batch);
      return { events, run: (db) => countNewCounterJobs(db, ledger, rows) };
    };
  }
  return () => {
    const batch = jobs<FlowsJob>(() => ({
      flows: each(() => {
        const { srcApp, destApp, vpcId } = flowKey(n++);
        return { src_app: srcApp, dest_app: destApp, vpc_id: vpcId, bytes_tx: 1, bytes_rx: 2, hour: base };
      }),
    }));
    const { jobs: ledger, rows } = toFlowRows(batch);
    return { events, run: (db) => countNewFlowJobs(db, ledger, rows) };
  };
}
