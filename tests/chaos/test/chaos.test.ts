import { setTimeout as sleep } from "node:timers/promises";
import { startSystem, type AppProcess, type System } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KINDS } from "../src/bodies.js";
import { DEFAULT_SCHEDULE, runChaos, workersKilledBy } from "../src/chaos-schedule.js";
import { outcome, startLoad } from "../src/load.js";
import { crashReport, logDigest } from "../src/log-digest.js";
import { startPrivatePostgres, type PrivatePostgres } from "../src/private-postgres.js";
import { startPrivateRedis, type PrivateRedis } from "../src/private-redis.js";
import { crossCheckQueryApi } from "../src/query-check.js";
import { createQueueMonitor, waitForDrain, type QueueMonitor } from "../src/queue-monitor.js";
import { formatTable, httpTable, redisRecoveryMs, resultTable, summarizeFailed, summarizeHttp } from "../src/report.js";
import { compareProducts, compareRollups, readActual } from "../src/verify.js";

/** How long the load runs (the chaos schedule is spread over it), and the most the drain may take. */
const LOAD_MS = Number(process.env.TEST_CHAOS_LOAD_MS ?? 75_000);
const DRAIN_TIMEOUT_MS = 100_000;

let postgres: PrivatePostgres | undefined;
let redis: PrivateRedis | undefined;
let system: System | undefined;
let monitor: QueueMonitor | undefined;
const workers: AppProcess[] = [];
let stopLoad: (() => Promise<unknown>) | undefined;
const startedAt = Date.now();

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
  system = await startSystem({
    databaseServerUrl: postgres.url,
    redisUrl: redis.url,
    // A SIGKILLed worker's jobs go to another after ~2 × 2 s. LOG_LEVEL stays at info: startSystem
    // knows a process is up by its "listening"/"started" info line.
    env: { WORKER_LOCK_MS: "2000", LOG_LEVEL: "info" },
  });
  workers.push(await system.start("aggregator-worker"), await system.start("aggregator-worker"));
  monitor = createQueueMonitor(redis.url, system.env.QUEUE_PREFIX);
});

afterAll(async () => {
  // Each step runs even if the one before failed; the servers and their directories go last.
  // (Not system.stop(): it would clear Redis and drop the database, on servers about to be deleted.)
  const steps: [string, () => Promise<unknown>][] = [
    ["load", async () => stopLoad?.()],
    ["queue monitor", async () => monitor?.close()],
    ["apps", async () => Promise.all((system?.apps ?? []).map((a) => a.stop("SIGKILL")))],
    ["database handle", async () => system?.database.db.destroy()],
    ["postgres", async () => postgres?.destroy()],
    ["redis", async () => redis?.destroy()],
  ];
  for (const [name, step] of steps) {
    await Promise.race([step(), sleep(15_000).then(() => Promise.reject(new Error("timed out")))]).catch((error: unknown) => console.error(`cleanup of ${name} failed: ${String(error)}`));
  }
});

describe("chaos: workers SIGKILLed, Redis and Postgres restarted, under a steady mixed load", () => {
  it("counts every acknowledged request exactly once, an ambiguous one at most once, and never answers 500", async () => {
    if (!system || !postgres || !redis || !monitor) throw new Error("setup failed");
    const setupMs = Date.now() - startedAt;

    // Load and chaos together; the load stops at LOAD_MS whatever the schedule still does.
    const loadStart = Date.now();
    const load = startLoad(system.ingestUrl);
    stopLoad = () => load.stop(0);
    const chaos = await runChaos({ system, postgres, redis, monitor, workers }, loadStart, LOAD_MS);
    await sleep(Math.max(0, loadStart + LOAD_MS - Date.now()));
    const record = await load.stop();
    const loadMs = Date.now() - loadStart;

    const drain = await waitForDrain(monitor, system.database.url, DRAIN_TIMEOUT_MS);
    const actual = await readActual(system.database.url);
    const reports = [
      compareRollups("messages", record.bodies.messages, actual),
      compareRollups("counters", record.bodies.counters, actual),
      compareRollups("flows", record.bodies.flows, actual),
      compareProducts(record.bodies.products, actual, loadStart),
    ];
    const http = summarizeHttp(record.bodies, chaos.outages);
    const queryCheck = await crossCheckQueryApi(system.queryUrl, actual).catch((error: unknown) => ({ compared: 0, differences: [`the query API did not answer: ${String(error)}`] }));
    const counts = await monitor.counts().catch(() => undefined);
    const failedJobs = KINDS.reduce((n, k) => n + (counts?.[k].failed ?? 0), 0);
    const failed = failedJobs > 0 ? await monitor.failedJobs().catch(() => []) : [];
    const failedSummary = summarizeFailed(failed, reports, loadStart);
    // We only ever SIGKILL: a process that exited with a code died by itself (a crash), whenever that was.
    const dead = system.apps
      .filter((a) => a.child.exitCode !== null || (a.child.signalCode !== null && a.child.signalCode !== "SIGKILL"))
      .map(crashReport);
    const byKind = Object.fromEntries(reports.map((r) => [r.kind, r]));
    const ledgerChecks = [
      actual.ledgers.uuids === Number(actual.ledgers.countedMessages) ? "" : `message_ledger has ${actual.ledgers.uuids} uuids but the rollup counts ${actual.ledgers.countedMessages} messages`,
      // A job holds one request or, when ingest coalesces concurrent requests, several: never fewer.
      actual.ledgers.counterJobs <= byKind.counters!.counted ? "" : `counter_job_ledger has ${actual.ledgers.counterJobs} jobs for ${byKind.counters!.counted} counters requests counted`,
      actual.ledgers.flowJobs <= byKind.flows!.counted ? "" : `flow_job_ledger has ${actual.ledgers.flowJobs} jobs for ${byKind.flows!.counted} flows requests counted`,
      actual.uploads.unapplied === 0 ? "" : `${actual.uploads.unapplied} accepted products uploads never applied`,
      actual.uploads.unaccepted === 0 ? "" : `${actual.uploads.unaccepted} products uploads committed without being accepted`,
      ...actual.flowKeyMismatches,
      ...actual.strangers.slice(0, 5).map((s) => `a rollup row no request made: ${s}`),
    ].filter(Boolean);

    console.log(
      [
        "",
        `== chaos run: setup ${(setupMs / 1000).toFixed(1)} s, load ${(loadMs / 1000).toFixed(1)} s, drain ${(drain.ms / 1000).toFixed(1)} s${drain.ok ? "" : " (NOT DRAINED)"}, total ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
        ...chaos.events.map((e) => `  t=${(e.at / 1000).toFixed(1).padStart(5)} s  ${e.what}`),
        `  ingest answered 503 until ${redisRecoveryMs(record.bodies, chaos.outages).map((ms) => `${ms} ms`).join(" / ")} after each Redis restart`,
        `  keyed counters and flows answered 503 in a Redis pause and acknowledged on a retry: ${[...record.bodies.counters, ...record.bodies.flows].filter((b) => b.sends.some((s) => s.status === 503 && chaos.pauses.some((p) => s.startedAt >= p.start && s.startedAt < p.end)) && outcome(b) === "acked").length}; replayed answers: ${[...record.bodies.counters, ...record.bodies.flows].reduce((n, b) => n + b.sends.filter((s) => s.replayed).length, 0)}`,
        "",
        resultTable(reports),
        "",
        httpTable(http),
        "",
        formatTable([
          {
            "workers killed": chaos.workersKilled,
            "failed jobs": failedJobs,
            "uploads accepted": actual.uploads.accepted,
            // Which path the acknowledged products bodies took: large ones staged, the rest through Redis.
            "products acked, large / small": ((acked) => `${acked.filter((b) => b.large).length} / ${acked.filter((b) => !b.large).length}`)(
              record.bodies.products.filter((b) => b.sends.some((s) => s.status === 202)),
            ),
            "uuids in ledger": actual.ledgers.uuids,
            "counter / flow jobs": `${actual.ledgers.counterJobs} / ${actual.ledgers.flowJobs}`,
            "query API answers compared": queryCheck.compared,
            "query API differences": queryCheck.differences.length,
          },
        ]),
        ...reports.flatMap((r) => r.examples.map((e) => `  ! ${e}`)),
        ...reports.flatMap((r) => r.ambiguousCountedAnswers.slice(0, 5).map((a) => `  ambiguous, then found counted: ${a.slice(0, 240)}`)),
        ...http.flatMap((h) => h.serverErrors.slice(0, 5).map((e) => `  ! ${e}`)),
        ...ledgerChecks.map((c) => `  ! ${c}`),
        ...dead.map((d) => `  ! ${d.split("\n").slice(0, 6).join("\n    ")}`),
        ...queryCheck.differences.slice(0, 5).map((d) => `  ! ${d}`),
        ...failedSummary.map((f) => `  failed jobs: ${f}`),
        "  apps' warnings and errors (503 request logs left out):",
        ...logDigest(system.apps).map((l) => `  ${l}`),
        drain.ok ? "" : `  last seen while draining: ${drain.last}`,
      ].join("\n"),
    );

    // The chaos really happened, under load.
    expect(chaos.workersKilled).toBe(workersKilledBy(DEFAULT_SCHEDULE));
    for (const r of reports) expect(r.acknowledged, `${r.kind} acknowledged`).toBeGreaterThan(50);
    expect(record.bodies.products.some((b) => b.sends.some((s) => s.status === 403)), "a repeated products body was refused").toBe(true);
    // The ambiguous-ack phase: keyed counters and flows answered 503 while Redis held writes, then
    // acknowledged on a retry with their key; the exactly-once checks below count each of them once.
    const inPause = (at: number) => chaos.pauses.some((p) => at >= p.start && at < p.end);
    const retriedThroughPause = [...record.bodies.counters, ...record.bodies.flows].filter((b) => b.sends.some((s) => s.status === 503 && inPause(s.startedAt)) && outcome(b) === "acked");
    expect(retriedThroughPause.length, "keyed counters and flows answered 503 in a Redis pause, then acknowledged on a retry").toBeGreaterThan(0);

    // Everything settles by itself, and no process died or had to be restarted.
    expect.soft(drain.ok, `queues drained and uploads applied within ${DRAIN_TIMEOUT_MS} ms: ${drain.last}`).toBe(true);
    expect.soft(dead, "no process exited by itself (ingest, query, any worker)").toEqual([]);

    // Exactly once: nothing acknowledged lost, nothing counted twice, nothing refused counted.
    for (const r of reports) {
      expect.soft({ kind: r.kind, lost: r.lost, doubled: r.doubled, phantom: r.phantom, wrong: r.wrong }, r.examples.join("\n")).toEqual({ kind: r.kind, lost: 0, doubled: 0, phantom: 0, wrong: 0 });
    }
    expect.soft(ledgerChecks).toEqual([]);
    // Poisoned products bodies are refused at ingest, so no job should ever fail: a job in a failed set
    // was given up on (stalled too often, say), and its events are lost unless a holder committed them.
    expect.soft(failedJobs, `jobs in the failed sets: ${failedSummary.join("; ")}`).toBe(0);

    // HTTP: 503 with Retry-After while Redis is away, at once; never a 500.
    const during = http.reduce((n, h) => n + h.unavailableDuringRedisOutage, 0);
    expect.soft(during, "503s while Redis was away").toBeGreaterThan(0);
    for (const h of http) {
      expect.soft(h.unavailableDuringRedisOutage, `${h.kind}: every send started while Redis was away answered 503`).toBe(h.duringRedisOutage);
      expect.soft(h.unavailableWithoutRetryAfter, `${h.kind}: 503 without Retry-After`).toBe(0);
      expect.soft(h.serverErrors, `${h.kind}: 5xx other than 503`).toEqual([]);
      expect.soft(h.maxMsDuringRedisOutage, `${h.kind}: slowest answer while Redis was away (ms)`).toBeLessThan(3000);
      // A poisoned body meets validation (422) unless Postgres is away first (503: nothing accepted, try again).
      const unexpected = [...h.statuses.keys()].filter((s) => !["202", "503", "429", "timeout", "network", ...(h.kind === "products" ? ["403", "422 (poisoned)", "503 (poisoned)"] : []), ...(h.kind === "counters" || h.kind === "flows" ? ["409"] : [])].includes(s));
      expect.soft(unexpected, `${h.kind}: unexpected statuses`).toEqual([]);
    }

    // The query API, never restarted, answers what Postgres holds.
    expect.soft(queryCheck.differences).toEqual([]);
  });
});

