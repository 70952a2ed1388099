import { setTimeout as sleep } from "node:timers/promises";
import type { Database } from "@tally/shared/db";
import { sql, type Kysely } from "kysely";
import { sumPerEvent, type BodyShape } from "./bodies.js";
import type { LoadResult } from "./drive-load.js";
import type { Driver } from "./driver.js";
import { rollupSum } from "./rollup-sums.js";
import type { Latency } from "./stats.js";

/** Something that takes events over HTTP and lands them in Postgres: Tally, or the reference. */
export interface Target {
  name: "tally" | "reference";
  url: string;
  db: Kysely<Database>;
}

export interface PhaseResult {
  target: Target["name"];
  shape: BodyShape;
  connections: number;
  /** Acknowledged (2xx) requests per second, and the events they carried. */
  requestsPerSecond: number;
  eventsPerSecond: number;
  latency: Latency;
  load: Omit<LoadResult, "latency">;
  events: number;
  /** From the first POST until every acknowledged event was in the rollups. */
  endToEnd: { seconds: number; eventsPerSecond: number; complete: boolean };
}

/** How often the rollups are read while a phase drains (and runs, if reading is cheap): the resolution of end to end. */
const POLL_MS = 50;
/** The most of the load's time reading may take (see the poller). */
const READ_SHARE = 0.1;

/**
 * One load phase: a driver process posts `shape` bodies for `seconds` over `connections`, while this
 * process reads the phase's rollup sum every 50 ms (less often if reading takes over a tenth of the
 * time); afterwards it keeps reading every 50 ms until the sum covers
 * every acknowledged event (or `drainMs` passes). Requests still in flight when the driver stops may
 * land too; the clock stops at the first read covering the acknowledged ones.
 */
export async function measurePhase(
  driver: Driver,
  target: Target,
  shape: BodyShape,
  connections: number,
  seconds: number,
  drainMs: number,
  /** Called as soon as the load ends, before the drain. */
  loadEnded?: () => Promise<void>,
): Promise<PhaseResult> {
  const before = await rollupSum(target.db, shape);
  const reads: { at: number; sum: number }[] = [];
  let expected = Infinity;
  let stopPolling = false;
  let loading = true;
  const poller = (async () => {
    while (!stopPolling) {
      // A read counts what was committed when it started.
      const at = Date.now();
      const started = performance.now();
      const sum = (await rollupSum(target.db, shape)) - before;
      reads.push({ at, sum });
      if (sum >= expected) return;
      // While the load runs, reading takes at most READ_SHARE of the time: a count of products grows with
      // the phase (~50 ms at 300,000 rows), and reading every 50 ms took a third of a core from the system
      // measured. Once the load has ended, every POLL_MS again, for end to end's resolution.
      const until = started + Math.max(POLL_MS, (performance.now() - started) / READ_SHARE);
      do await sleep(POLL_MS);
      while (loading && !stopPolling && performance.now() < until);
    }
  })();
  try {
    const { latency, ...load } = await driver.run("load", { url: target.url, connections, seconds, post: shape }, (seconds + 120) * 1000);
    loading = false;
    await loadEnded?.();
    const events = load.ok * shape.batch;
    expected = events * sumPerEvent(shape.kind);
    const deadline = Date.now() + drainMs;
    while ((reads.at(-1)?.sum ?? 0) < expected && Date.now() < deadline) await sleep(POLL_MS);
    stopPolling = true;
    await poller;
    await waitUntilQuiet(target.db, shape, drainMs);
    const reached = reads.find((r) => r.sum >= expected);
    const last = reads.at(-1) ?? { at: Date.now(), sum: 0 };
    const endSeconds = ((reached ?? last).at - load.startedAt) / 1000;
    const visibleEvents = reached ? events : last.sum / sumPerEvent(shape.kind);
    return {
      target: target.name,
      shape,
      connections,
      requestsPerSecond: load.ok / load.seconds,
      eventsPerSecond: events / load.seconds,
      latency,
      load,
      events,
      endToEnd: { seconds: endSeconds, eventsPerSecond: visibleEvents / endSeconds, complete: reached !== undefined },
    };
  } finally {
    stopPolling = true;
    await poller.catch(() => undefined);
  }
}

/**
 * Isolation between phases, not part of any figure: requests still in flight when the driver stopped
 * may still be landing (a direct-write transaction of 1,000 events takes seconds). Waits until no
 * other session of the database is busy and the phase's sum has stopped moving.
 */
async function waitUntilQuiet(db: Kysely<Database>, shape: BodyShape, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let previous = -1;
  while (Date.now() < deadline) {
    const { rows } = await sql<{ busy: string }>`
      SELECT count(*) AS busy FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IS NOT NULL AND state <> 'idle'`.execute(db);
    const sum = await rollupSum(db, shape);
    if (Number(rows[0]?.busy ?? 0) === 0 && sum === previous) return;
    previous = sum;
    await sleep(250);
  }
}
