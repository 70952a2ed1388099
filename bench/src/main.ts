import { loadavg } from "node:os";
import { loadConfig } from "@tally/shared/config";
import { Redis } from "ioredis";
import { sql } from "kysely";
import { MAX_EVENTS_PER_JOB } from "@tally/shared/jobs";
import type { BodyShape } from "./bodies.js";
import { killChildren } from "./children.js";
import { probeCpu } from "./cpu-probe.js";
import { formatCpu, watchCpu } from "./cpu-usage.js";
import { createDriver, type Driver } from "./driver.js";
import { loadDataset } from "./load-dataset.js";
import { describeMachine } from "./machine.js";
import { measureFreshness } from "./measure-freshness.js";
import { measureGrain } from "./measure-grain.js";
import { measureCeilings } from "./measure-ceilings.js";
import { measurePhase, type PhaseResult, type Target } from "./measure-ingest.js";
import { measureProducts, type ProductsMeasure } from "./measure-products.js";
import { measureQueries } from "./measure-queries.js";
import { measureSmallProducts } from "./measure-small-products.js";
import { measureRawPostgres, type RawResult } from "./measure-raw-postgres.js";
import { measureScale, SCALE_ROWS } from "./measure-scale.js";
import { formatScaleTable, saveScaleResults } from "./report-scale.js";
import { formatTable, saveResults, tableRows, type BenchResults } from "./report.js";
import { FULL, QUICK } from "./sizes.js";
import { startReference } from "./start-reference.js";
import { startBenchSystem } from "./start-system.js";

/**
 * `pnpm bench [--quick]` (SPEC §9): Tally's built apps and a direct-write reference, each on a
 * private database (and Tally on a private queue prefix), driven over HTTP by separate processes.
 * Progress goes to stderr; stdout gets the one table, also saved as JSON under bench-results/.
 * Assumes `pnpm build` has run. Whatever happens, the processes are stopped, the databases dropped
 * and the queue prefix cleared.
 */
const sizes = process.argv.includes("--quick") ? QUICK : FULL;
/** `--scale` (or `--scale=1000000,10000000` for other sizes): how cost grows with data, instead of the main run. */
const scaleArg = process.argv.find((a) => a === "--scale" || a.startsWith("--scale="));
const scaleSteps = scaleArg?.includes("=") ? scaleArg.split("=")[1]!.split(",").map(Number) : SCALE_ROWS;
/** `--only=small-products` or `--only=products`: that phase alone (a minute, not ten), with the CPU each process took; nothing saved. */
const only = process.argv.find((a) => a.startsWith("--only="))?.split("=")[1];
if (only !== undefined && only !== "small-products" && only !== "products") throw new Error(`--only knows small-products and products, not ${only}`);
const started = performance.now();
/** The machine's speed as the run starts (`probeCpu`), to compare with the same probe before the products body. */
let probeAtStart: number | undefined;
const log = (message: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);

// Each phase writes its own range, so a phase's sum counts only its own events (bodies.ts).
const COUNTERS_SECOND = Date.parse("2021-01-01T00:00:00Z") / 1000;
const DAY_S = 86_400;
const BASES = {
  warmUp: 100_000,
  ceilings: 200_000,
  single: 1_000_000,
  singleKeyed: 1_500_000,
  array: 2_000_000,
  ndjson: 3_000_000,
  rawMessages: 5_000_000,
  counters: COUNTERS_SECOND,
  rawCounters: COUNTERS_SECOND + DAY_S,
  flows: 500_001,
  rawFlows: 500_002,
  smallProducts: 600_000,
} as const;

const cleanups: (() => Promise<unknown>)[] = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    killChildren();
    for (const step of cleanups.reverse()) await step().catch((error: unknown) => log(`cleanup: ${String(error)}`));
  })();
  return cleaning;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const loadAverage = loadavg()[0] ?? 0;
  if (loadAverage > 1) log(`warning: the machine is already busy (load average ${loadAverage.toFixed(1)}): figures will be low and noisy`);
  log(`${sizes.mode} run: starting Tally (LOG_LEVEL=warn) and the direct-write reference`);
  // WORKER_PORT=0: the worker's own HTTP port is picked free, never clashing with another run's.
  const [systemStart, referenceStart] = await Promise.allSettled([
    startBenchSystem({ LOG_LEVEL: "warn", MAX_QUEUE_BACKLOG: "100000000", WORKER_PORT: "0" }),
    startReference(),
  ]);
  if (systemStart.status === "fulfilled") cleanups.push(() => systemStart.value.stop());
  if (referenceStart.status === "fulfilled") cleanups.push(() => referenceStart.value.stop());
  if (systemStart.status === "rejected") throw systemStart.reason;
  if (referenceStart.status === "rejected") throw referenceStart.reason;
  probeAtStart = probeCpu();
  const [system, reference] = [systemStart.value, referenceStart.value];
  const machine = await describeMachine(system.env.DATABASE_URL, system.env.REDIS_URL, loadAverage);
  const tally: Target = { name: "tally", url: system.ingestUrl, db: system.database.db };
  const direct: Target = { name: "reference", url: reference.url, db: reference.db };
  const driver = createDriver();
  cleanups.push(async () => driver.stop());

  log("warming up");
  // A warm-up through each (JIT, connection pools); for Tally it also proves the worker consumes.
  for (const target of [tally, direct]) {
    const warm = await measurePhase(driver, target, { kind: "message", batch: 1, base: BASES.warmUp }, 20, sizes.warmUpSeconds, 60_000);
    if (!warm.endToEnd.complete || warm.load.ok === 0) throw new Error(`${target.name}: warm-up messages did not reach Postgres`);
  }

  log("single-message ceilings: express 5 + express.json(), bare node:http");
  const ceilings = await measureCeilings(driver, { kind: "message", batch: 1, base: BASES.ceilings }, sizes.single.connections, sizes.single.seconds);
  for (const c of ceilings) log(`ceiling ${c.name}: ${Math.round(c.requestsPerSecond)} req/s${c.trouble ? ` (${c.trouble} not 202)` : ""}`);

  const { batch } = sizes.batched;
  const shapes: BodyShape[] = [
    { kind: "message", batch: 1, base: BASES.single },
    { kind: "message-keyed", batch: 1, base: BASES.singleKeyed },
    { kind: "messages-array", batch, base: BASES.array },
    { kind: "messages-ndjson", batch, base: BASES.ndjson },
    { kind: "counters", batch, base: BASES.counters },
    { kind: "flows", batch, base: BASES.flows },
  ];
  const ingest: PhaseResult[] = [];
  for (const shape of shapes) {
    const { seconds, connections } = shape.kind === "message" || shape.kind === "message-keyed" ? sizes.single : sizes.batched;
    // Keys are Tally's: the reference ignores the header, so it has nothing to compare there.
    for (const target of shape.kind === "message-keyed" ? [tally] : [tally, direct]) {
      const result = await measurePhase(driver, target, shape, connections, seconds, sizes.drainMs);
      ingest.push(result);
      const trouble = result.load.non2xx + result.load.errors + result.load.timeouts;
      log(
        `${target.name} ${shape.kind}: ${Math.round(result.requestsPerSecond)} req/s, ${Math.round(result.eventsPerSecond)} events/s in; ` +
          `${Math.round(result.endToEnd.eventsPerSecond)} events/s end to end${result.endToEnd.complete ? "" : " (INCOMPLETE)"}` +
          (trouble ? `; ${trouble} not 2xx: ${JSON.stringify(result.load.statusCodes)}` : ""),
      );
    }
  }

  // The worker's batch at saturation: WORKER_CONCURRENCY jobs of MAX_EVENTS_PER_JOB, as configured for this system.
  const rawShape = { eventsPerJob: MAX_EVENTS_PER_JOB, jobsPerBatch: sizes.rawJobsPerBatch ?? loadConfig(system.env).WORKER_CONCURRENCY };
  const raw: RawResult[] = [];
  for (const [kind, base] of [
    ["messages", BASES.rawMessages],
    ["counters", BASES.rawCounters],
    ["flows", BASES.rawFlows],
  ] as const) {
    raw.push(await measureRawPostgres(system.database.db, kind, base, sizes.rawSeconds, rawShape));
    log(`raw Postgres ${kind}: ${Math.round(raw.at(-1)?.eventsPerSecond ?? 0)} events/s`);
  }

  const maxRate = ingest.find((p) => p.target === "tally" && p.shape.kind === "message")?.requestsPerSecond ?? 0;
  // Round one's target was at half the maximum rate; round two's is at 90% of it.
  const freshness = [];
  for (const fraction of [0.5, 0.9]) {
    const f = await measureFreshness(driver, system.ingestUrl, system.queryUrl, maxRate, fraction, sizes.freshnessSeconds);
    freshness.push(f);
    log(`freshness at ${Math.round(f.rate)} msg/s: p50 ${f.freshness.p50.toFixed(1)} ms, p99 ${f.freshness.p99.toFixed(1)} ms`);
  }

  log("loading the query dataset");
  const dataset = await loadDataset(system.env.DATABASE_URL, sizes.dataset);
  log(`dataset loaded in ${dataset.seconds.toFixed(0)} s: ${JSON.stringify(dataset.rows)}`);
  const queries = await measureQueries(driver, system.queryUrl, sizes);
  for (const q of queries) log(`query ${q.name}: p50 ${q.latency.p50.toFixed(2)} ms, p99 ${q.latency.p99.toFixed(2)} ms`);

  log("messages rollup per hour (before 0011) against per quarter hour (after): the same messages, two databases");
  const grain = await measureGrain(driver, sizes.grain, rawShape, log);

  const products = await streamProducts(driver, system);

  // After the large body: its peak RSS is measured on an ingest process in the state earlier rounds measured it in.
  const smallProducts = await runSmallProducts(driver, tally, system.env);
  const results: BenchResults = {
    date: new Date().toISOString(),
    mode: sizes.mode,
    seconds: (performance.now() - started) / 1000,
    machine,
    ceilings,
    ingest,
    raw,
    freshness,
    dataset,
    queries,
    grain,
    products,
    smallProducts,
  };
  const rows = tableRows(results);
  process.stdout.write(`${formatTable(rows)}\n`);
  log(`saved ${await saveResults(results, rows)}`);
}

/** The large products body, with the CPU each process took while it streamed. */
async function streamProducts(driver: Driver, system: Awaited<ReturnType<typeof startBenchSystem>>): Promise<ProductsMeasure> {
  const cpuProbe = { atStart: probeAtStart, beforePhase: probeCpu() };
  log(`cpu probe (SHA-256 on one thread): ${cpuProbe.beforePhase.toFixed(0)} MB/s now, ${cpuProbe.atStart?.toFixed(0) ?? "not taken"} at the run's start`);
  log(`streaming a ${(sizes.productsBytes / 1e6).toFixed(0)} MB products body`);
  const ingestPid = system.ingest.child.pid;
  if (ingestPid === undefined) throw new Error("the ingest process has no pid");
  const pid = (p: number | undefined) => (p === undefined ? [] : [p]);
  const target = { ingestUrl: system.ingestUrl, ingestPid, db: system.database.db };
  const products = await measureProducts(driver, target, sizes.productsBytes, {
    worker: pid(system.worker.child.pid),
    driver: pid(driver.pid()),
    // Found at both ends: the upload's backend may start with it.
    postgres: () => postgresPids(system.database.db),
  });
  log(`products: ${products.megabytesPerSecond.toFixed(1)} MB/s, peak RSS ${products.peakRssMiB.toFixed(0)} MiB; applied after ${products.appliedSeconds.toFixed(1)} s`);
  log(`cpu (cores) while it streamed: ${formatCpu(products.cpu)}`);
  return { ...products, cpuProbe };
}

/** The small-products phase: the seed-like reference, then Tally; with `watch`, the CPU each took. */
async function runSmallProducts(driver: Driver, tally: Target, env: Record<string, string>, watch?: Parameters<typeof measureSmallProducts>[7]) {
  const small = sizes.smallProducts;
  log(`small products: ${small.batch} per body, ${small.connections} connections, the seed-like reference then Tally`);
  const result = await measureSmallProducts(
    driver,
    tally,
    { redisUrl: env.REDIS_URL!, prefix: env.QUEUE_PREFIX! },
    { kind: "products", batch: small.batch, base: BASES.smallProducts },
    small.connections,
    small.seconds,
    sizes.drainMs,
    watch,
  );
  const { reference, tally: t } = result;
  log(
    `small products: reference ${Math.round(reference.requestsPerSecond)} req/s p99 ${reference.latency.p99.toFixed(1)} ms; ` +
      `tally ${Math.round(t.requestsPerSecond)} req/s p99 ${t.latency.p99.toFixed(1)} ms (${(t.requestsPerSecond / reference.requestsPerSecond).toFixed(2)}×), ` +
      `${Math.round(t.endToEnd.eventsPerSecond)} products/s visible of ${Math.round(t.eventsPerSecond)}/s acknowledged ` +
      `(${(t.endToEnd.eventsPerSecond / t.eventsPerSecond).toFixed(2)}×)`,
  );
  return result;
}

/**
 * `pnpm bench --only=small-products`: Tally's system and the small-products phase alone, with the CPU
 * each process took during each measured load (cores busy on average), for iterating on the fast path.
 */
async function smallProductsOnly(): Promise<void> {
  const loadAverage = loadavg()[0] ?? 0;
  if (loadAverage > 1) log(`warning: the machine is already busy (load average ${loadAverage.toFixed(1)}): figures will be low and noisy`);
  // BENCH_NODE_OPTIONS: given to Tally's processes as NODE_OPTIONS, to profile them under this load. Node 20 refuses
  // --cpu-prof there; `--import /abs/preload.mjs`, a preload starting node:inspector's Profiler and writing it on exit, works.
  const profiling: Record<string, string> = process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {};
  const system = await startBenchSystem({ LOG_LEVEL: "warn", MAX_QUEUE_BACKLOG: "100000000", WORKER_PORT: "0", ...profiling });
  cleanups.push(() => system.stop());
  const driver = createDriver();
  cleanups.push(async () => driver.stop());
  const tally: Target = { name: "tally", url: system.ingestUrl, db: system.database.db };
  const warm = await measurePhase(driver, tally, { kind: "message", batch: 1, base: BASES.warmUp }, 20, sizes.warmUpSeconds, 60_000);
  if (!warm.endToEnd.complete || warm.load.ok === 0) throw new Error("tally: warm-up messages did not reach Postgres");
  const pid = (p: number | undefined) => (p === undefined ? [] : [p]);
  // Postgres's backends as they are when each load starts (the worker's pool grows as it needs).
  const common = async () => ({ driver: pid(driver.pid()), ...(await sharedPids(system.database.db, system.env.REDIS_URL!)) });
  const result = await runSmallProducts(driver, tally, system.env, {
    reference: async (serverPid) => watchCpu({ reference: [serverPid], ...(await common()) }),
    tally: async () => watchCpu({ ingest: pid(system.ingest.child.pid), worker: pid(system.worker.child.pid), ...(await common()) }),
  });
  if (result.reference.cpu) log(`cpu (cores) during the reference: ${formatCpu(result.reference.cpu)}`);
  if (result.tallyCpu) log(`cpu (cores) during Tally: ${formatCpu(result.tallyCpu)}`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  // Stopped gently, so that a profiler has written its file before the cleanup's SIGKILL.
  if (process.env.BENCH_NODE_OPTIONS) await Promise.all(system.apps.map((a) => a.stop("SIGTERM")));
}

/**
 * `pnpm bench --only=products`: Tally's system and the large products body alone (on a fresh ingest
 * process, unlike the full run's), with the CPU each process took while it streamed.
 */
async function productsOnly(): Promise<void> {
  const profiling: Record<string, string> = process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {};
  const system = await startBenchSystem({ LOG_LEVEL: "warn", WORKER_PORT: "0", ...profiling });
  cleanups.push(() => system.stop());
  const driver = createDriver();
  cleanups.push(async () => driver.stop());
  const products = await streamProducts(driver, system);
  process.stdout.write(`${JSON.stringify(products, null, 2)}\n`);
  if (process.env.BENCH_NODE_OPTIONS) await Promise.all(system.apps.map((a) => a.stop("SIGTERM")));
}

/** Every process of the Postgres server now: the backends of every database, and its own background processes. */
async function postgresPids(db: Target["db"]): Promise<number[]> {
  const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity`.execute(db);
  return rows.map((r) => r.pid);
}

/** Redis's pid, and the Postgres backends serving this run's database (the worker's and the bench's). */
async function sharedPids(db: Target["db"], redisUrl: string): Promise<{ redis: number[]; postgres: number[] }> {
  const backends = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(db);
  const client = new Redis(redisUrl);
  try {
    const redisPid = Number(/process_id:(\d+)/.exec(await client.info("server"))?.[1]);
    return { redis: Number.isFinite(redisPid) ? [redisPid] : [], postgres: backends.rows.map((r) => r.pid) };
  } finally {
    client.disconnect();
  }
}

/** `pnpm bench --scale`: Tally's system on a private database, its messages tables grown step by step. */
async function scale(): Promise<void> {
  const loadAverage = loadavg()[0] ?? 0;
  if (loadAverage > 1) log(`warning: the machine is already busy (load average ${loadAverage.toFixed(1)}): figures will be low and noisy`);
  log(`scale run: ${scaleSteps.map((n) => n.toLocaleString("en")).join(", ")} rows`);
  const system = await startBenchSystem({ LOG_LEVEL: "warn", WORKER_PORT: "0" });
  cleanups.push(() => system.stop());
  const driver = createDriver();
  cleanups.push(async () => driver.stop());
  const machine = await describeMachine(system.env.DATABASE_URL, system.env.REDIS_URL, loadAverage);
  const foldShape = { eventsPerJob: MAX_EVENTS_PER_JOB, jobsPerBatch: loadConfig(system.env).WORKER_CONCURRENCY };
  const steps = await measureScale({ driver, databaseUrl: system.env.DATABASE_URL, db: system.database.db, queryUrl: system.queryUrl, steps: scaleSteps, foldShape, log });
  const table = formatScaleTable(steps);
  process.stdout.write(`${table}\n`);
  const saved = await saveScaleResults({ date: new Date().toISOString(), seconds: (performance.now() - started) / 1000, machine, steps }, table);
  log(`saved ${saved.join(" and ")}`);
}

try {
  await (only === "small-products" ? smallProductsOnly() : only === "products" ? productsOnly() : scaleArg ? scale() : main());
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
