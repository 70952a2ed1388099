import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { foldFlows } from "../src/flows/fold-flows.js";
import { createWorkerHarness } from "./worker-harness.js";

const flow = (src: string, hour: number, tx: number, rx: number, dest = "bar", vpc = "vpc-0") => ({ src_app: src, dest_app: dest, vpc_id: vpc, bytes_tx: tx, bytes_rx: rx, hour });

let h: Awaited<ReturnType<typeof createWorkerHarness>>;
beforeEach(async () => {
  h = await createWorkerHarness();
});
afterEach(() => h.close());

async function rollup() {
  const { rows } = await sql<{ hour: string; src_app: string; dest_app: string; vpc_id: string; bytes_tx: string; bytes_rx: string }>`
    SELECT * FROM flow_rollup ORDER BY hour, src_app, dest_app, vpc_id`.execute(h.db);
  return rows.map((r) => `${r.hour} ${r.src_app}>${r.dest_app}@${r.vpc_id} ${r.bytes_tx}/${r.bytes_rx}`);
}
async function hourKeys() {
  const { rows } = await sql<{ hour: string; keys: string }>`SELECT hour, keys FROM flow_hour_keys ORDER BY hour`.execute(h.db);
  return Object.fromEntries(rows.map((r) => [r.hour, Number(r.keys)]));
}

describe("flows worker", () => {
  it("sums bytes per key and hour within a job and across jobs, keeping hours apart", async () => {
    await h.flows.add("flows", { flows: [flow("foo", 1, 100, 300), flow("foo", 1, 200, 600), flow("baz", 1, 100, 500), flow("foo", 2, 1, 1)] });
    await h.flows.add("flows", { flows: [flow("foo", 1, 1000, 1000), flow("foo", 1, 5, 5, "bar", "vpc-1")] });
    h.startWorkers();
    await h.drained();
    expect(await rollup()).toEqual(["1 baz>bar@vpc-0 100/500", "1 foo>bar@vpc-0 1300/1900", "1 foo>bar@vpc-1 5/5", "2 foo>bar@vpc-0 1/1"]);
    expect(await hourKeys()).toEqual({ "1": 3, "2": 1 });
  });

  it("counts a job delivered twice once, also when both deliveries run at the same time", async () => {
    const item = { jobId: "job-1", queuedAt: 0, data: { flows: [flow("foo", 1, 10, 20)] } };
    await Promise.all([foldFlows(h.db, [item]), foldFlows(h.db, [item])]);
    await foldFlows(h.db, [item, item]);
    expect(await rollup()).toEqual(["1 foo>bar@vpc-0 10/20"]);
    expect(await hourKeys()).toEqual({ "1": 1 });
  });

  it("keeps the hour's key count exact while concurrent workers add new and existing keys", async () => {
    const jobs = Array.from({ length: 60 }, (_, j) => ({
      name: "flows",
      data: { flows: Array.from({ length: 50 }, (_, i) => flow(`app-${(j * 17 + i * 3) % 400}`, 7, 1, 2)) },
    }));
    await h.flows.addBulk(jobs);
    h.startWorkers();
    h.startWorkers();
    await h.drained();
    const { rows } = await sql<{ keys: string; tx: string }>`SELECT count(*) AS keys, sum(bytes_tx) AS tx FROM flow_rollup WHERE hour = 7`.execute(h.db);
    expect(Number(rows[0]?.tx)).toBe(60 * 50);
    expect(await hourKeys()).toEqual({ "7": Number(rows[0]?.keys) });
  });
});

describe("a job that fails in the database", () => {
  it("fails a job it cannot read alone, with its reason and without retrying, while the rest lands", async () => {
    // Ingest never queues this (bytes are never negative), but a job of another deploy might not parse.
    const poison = { flows: [flow("negative", 1, -1, 0)] };
    await h.flows.add("flows", { flows: [flow("before", 1, 1, 1)] });
    await h.flows.add("flows", poison, { jobId: "poison", attempts: 2, backoff: { type: "fixed", delay: 10 } });
    await h.flows.add("flows", { flows: [flow("after", 1, 1, 1)] });
    h.startWorkers();
    await h.drained();
    expect(await rollup()).toEqual(["1 after>bar@vpc-0 1/1", "1 before>bar@vpc-0 1/1"]);
    const job = await h.flows.getJob("poison");
    expect(await job?.getState()).toBe("failed");
    expect(job?.failedReason).toMatch(/invalid job data/);
    expect(job?.attemptsMade).toBe(1);
  });

  it("sums bytes exactly past 2^53 and past bigint", async () => {
    const max = Number.MAX_SAFE_INTEGER;
    await h.flows.add("flows", { flows: Array.from({ length: 3 }, () => flow("foo", 1, max, 1)) });
    for (let job = 0; job < 2; job++) await h.flows.add("flows", { flows: Array.from({ length: 550 }, () => flow("big", 1, max, max)) });
    h.startWorkers();
    await h.drained();
    const big = 1100n * BigInt(max);
    expect(await rollup()).toEqual([`1 big>bar@vpc-0 ${big}/${big}`, "1 foo>bar@vpc-0 27021597764222973/3"]);
    expect(await h.failedJobs()).toEqual([]);
  });
});
