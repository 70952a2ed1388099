import { setTimeout as sleep } from "node:timers/promises";
import type { AppProcess, System } from "@tally/testing";
import type { PrivatePostgres } from "./private-postgres.js";
import type { PrivateRedis } from "./private-redis.js";
import type { QueueMonitor } from "./queue-monitor.js";

export type ChaosAction = "kill-worker" | "restart-redis" | "restart-postgres" | "restart-redis-killing-a-worker" | "restart-postgres-killing-a-worker" | "pause-redis";

/** When a server was away: requests started inside the window met the outage. */
export interface Outage {
  server: "redis" | "postgres";
  down: number;
  up: number;
}

export interface ChaosLog {
  events: { at: number; what: string }[];
  outages: Outage[];
  /** When Redis held writes (CLIENT PAUSE): answering, but late. */
  pauses: { start: number; end: number }[];
  workersKilled: number;
}

/** Each action at its fraction of the load's duration. */
export const DEFAULT_SCHEDULE: [at: number, action: ChaosAction][] = [
  [0.05, "pause-redis"],
  [0.1, "kill-worker"],
  [0.2, "restart-redis"],
  [0.32, "kill-worker"],
  [0.42, "restart-postgres"],
  // A worker killed while a server is away: its successor has to start without it and catch up.
  [0.54, "restart-postgres-killing-a-worker"],
  [0.66, "restart-redis-killing-a-worker"],
  [0.74, "pause-redis"],
  [0.8, "kill-worker"],
];

/**
 * Redis held past ingest's 5 s enqueue timeout: requests caught between their key's claim and their
 * enqueue answer 503 "the queue did not confirm the jobs" while their jobs land a moment later. Their
 * clients retry with the same key, which must count them once.
 */
const PAUSE_REDIS_MS = 7000;

/** How many workers a schedule SIGKILLs. */
export const workersKilledBy = (schedule: typeof DEFAULT_SCHEDULE) => schedule.filter(([, a]) => a.includes("kill")).length;

export interface ChaosDeps {
  system: System;
  postgres: PrivatePostgres;
  redis: PrivateRedis;
  monitor: QueueMonitor;
  /** The workers running now, oldest first; the schedule replaces the ones it kills. */
  workers: AppProcess[];
  downMs?: number;
}

/**
 * Runs the schedule against a load that started at `start` and lasts `durationMs`: SIGKILLs a worker
 * while jobs are active (mid-batch) and starts a new one, kills Redis (-9) and starts it again on the
 * same AOF and port, stops Postgres immediately and starts it again. Nothing else is restarted.
 */
export async function runChaos(deps: ChaosDeps, start: number, durationMs: number, schedule = DEFAULT_SCHEDULE): Promise<ChaosLog> {
  const { system, postgres, redis, monitor, workers, downMs = 3000 } = deps;
  const log: ChaosLog = { events: [], outages: [], pauses: [], workersKilled: 0 };
  const note = (what: string) => log.events.push({ at: Date.now() - start, what });

  const killWorker = async (midBatch: boolean) => {
    // Mid-batch: wait (briefly) until some worker holds jobs, then kill the oldest worker.
    let active = 0;
    for (const deadline = Date.now() + 3000; midBatch && active === 0 && Date.now() < deadline; ) {
      active = await monitor.active();
      if (active === 0) await sleep(20);
    }
    const victim = workers.shift();
    if (!victim) throw new Error("no worker to kill");
    if (victim.child.exitCode !== null) note(`worker pid ${victim.child.pid} had already exited by itself (code ${victim.child.exitCode})`);
    victim.child.kill("SIGKILL");
    await victim.exited;
    log.workersKilled += 1;
    note(`SIGKILLed worker pid ${victim.child.pid}${midBatch ? ` (${active} jobs active)` : ""}`);
    workers.push(await system.start("aggregator-worker"));
    note(`started worker pid ${workers.at(-1)?.child.pid}`);
  };
  const outage = async (name: "redis" | "postgres", killMidway: boolean) => {
    const server = name === "redis" ? redis : postgres;
    const down = Date.now();
    await server.crash();
    note(name === "redis" ? "Redis SIGKILLed" : "Postgres stopped (-m immediate)");
    if (killMidway) {
      await sleep(downMs / 2);
      await killWorker(false);
      await sleep(Math.max(0, down + downMs - Date.now()));
    } else {
      await sleep(downMs);
    }
    await server.start();
    log.outages.push({ server: name, down, up: Date.now() });
    note(name === "redis" ? "Redis started again (same AOF, same port)" : "Postgres started again (crash recovery)");
  };
  const actions: Record<ChaosAction, () => Promise<void>> = {
    "kill-worker": () => killWorker(true),
    "restart-redis": () => outage("redis", false),
    "restart-postgres": () => outage("postgres", false),
    "restart-redis-killing-a-worker": () => outage("redis", true),
    "restart-postgres-killing-a-worker": () => outage("postgres", true),
    "pause-redis": async () => {
      const start = Date.now();
      await redis.pause(PAUSE_REDIS_MS);
      note(`Redis paused for writes (${PAUSE_REDIS_MS} ms: past ingest's enqueue timeout)`);
      await sleep(PAUSE_REDIS_MS);
      log.pauses.push({ start, end: start + PAUSE_REDIS_MS });
    },
  };

  for (const [at, action] of schedule) {
    const wait = start + at * durationMs - Date.now();
    if (wait > 0) await sleep(wait);
    await actions[action]();
  }
  return log;
}
