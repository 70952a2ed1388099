import { randomUUID } from "node:crypto";
import { countNewCounterJobs, type DomainCountRow } from "@tally/aggregator-worker/dist/counters/counters.repository.js";
import { countNewFlowJobs, type FlowRow } from "@tally/aggregator-worker/dist/flows/flows.repository.js";
import type { LedgerJob } from "@tally/aggregator-worker/dist/job-ledger.js";
import { countNewMessages, type MessageRow } from "@tally/aggregator-worker/dist/messages/messages.repository.js";
import type { Database } from "@tally/shared/db";
import type { Kysely } from "kysely";
import { counterAt, flowKey, messageKey, uuidSource } from "./bodies.js";

/**
 * The ceiling the worker works under: its own ledger + rollup statements (imported from its build,
 * so they are exactly the deployed SQL), fed straight from this process — no HTTP, no queue. Batches
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

export async function measureRawPostgres(db: Kysely<Database>, kind: RawKind, base: number, seconds: number, shape: RawShape): Promise<RawResult> {
  const make = batchMaker(kind, base, shape);
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

function batchMaker(kind: RawKind, base: number, { eventsPerJob, jobsPerBatch }: RawShape): () => Batch {
  const events = eventsPerJob * jobsPerBatch;
  let n = 0;
  if (kind === "messages") {
    const uuid = uuidSource();
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
    return () => {
      const rows: MessageRow[] = Array.from({ length: events }, () => {
        return { uuid: uuid(), ...messageKey(n++, base), amount: "1.250", hour };
      });
      return { events, run: (db) => countNewMessages(db, rows) };
    };
  }
  if (kind === "counters") {
    return () => {
      const jobs: LedgerJob[] = [];
      const rows = new Map<string, DomainCountRow>();
      for (let j = 0; j < jobsPerBatch; j++) {
        const jobId = randomUUID();
        jobs.push({ jobId, queuedAt: Date.now() });
        for (let c = 0; c < eventsPerJob; c++) {
          const { timestamp, domains } = counterAt(n++, base);
          const minute = timestamp - (timestamp % 60);
          for (const domain of domains) {
            // Pre-aggregated per job, minute and domain, as the worker's toDomainCountRows does.
            const key = `${jobId} ${minute} ${domain}`;
            const row = rows.get(key);
            if (row) row.requests += 1n;
            else rows.set(key, { jobId, minute, domain, requests: 1n });
          }
        }
      }
      const all = [...rows.values()];
      return { events, run: (db) => countNewCounterJobs(db, jobs, all) };
    };
  }
  return () => {
    const jobs: LedgerJob[] = [];
    const rows = new Map<string, FlowRow>();
    for (let j = 0; j < jobsPerBatch; j++) {
      const jobId = randomUUID();
      jobs.push({ jobId, queuedAt: Date.now() });
      for (let f = 0; f < eventsPerJob; f++) {
        const { srcApp, destApp, vpcId } = flowKey(n++);
        // Pre-aggregated per job and key, as the worker's toFlowRows does.
        const key = `${jobId} ${srcApp} ${destApp} ${vpcId}`;
        const row = rows.get(key);
        if (row) {
          row.bytesTx += 1n;
          row.bytesRx += 2n;
        } else {
          rows.set(key, { jobId, hour: base, srcApp, destApp, vpcId, bytesTx: 1n, bytesRx: 2n });
        }
      }
    }
    const all = [...rows.values()];
    return { events, run: (db) => countNewFlowJobs(db, jobs, all) };
  };
}
