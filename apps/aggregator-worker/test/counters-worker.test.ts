import { newJobId } from "@tally/shared/jobs";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { foldCounters } from "../src/counters/fold-counters.js";
import { createWorkerHarness } from "./worker-harness.js";

const T = Date.UTC(2026, 10, 23, 14, 53, 0) / 1000; // 14:53:00
let h: Awaited<ReturnType<typeof createWorkerHarness>>;
beforeEach(async () => {
  h = await createWorkerHarness();
});
afterEach(() => h.close());

async function table(name: "domain_minute" | "domain_hour") {
  const bucket = name === "domain_minute" ? sql.ref("minute") : sql.ref("hour");
  const { rows } = await sql<{ at: Date; domain: string; requests: string }>`
    SELECT ${bucket} AS at, domain, requests FROM ${sql.table(name)} ORDER BY 1, 2`.execute(h.db);
  return rows.map((r) => `${r.at.toISOString().slice(5, 16)} ${r.domain}=${r.requests}`);
}

describe("counters worker", () => {
  it("sums requests per domain per minute and per hour, bucketed by the counter's own second", async () => {
    await h.counters.add("counters", {
      counters: [
        { timestamp: T + 1, counts: [["A", 3], ["B", 4]] },
        { timestamp: T + 59, counts: [["A", 1]] },
      ],
    });
    await h.counters.add("counters", { counters: [{ timestamp: T + 60, counts: [["A", 10]] }, { timestamp: T - 1, counts: [["C", 2]] }] });
    h.startWorkers();
    await h.drained();
    expect(await table("domain_minute")).toEqual(["11-23T14:52 C=2", "11-23T14:53 A=4", "11-23T14:53 B=4", "11-23T14:54 A=10"]);
    expect(await table("domain_hour")).toEqual(["11-23T14:00 A=14", "11-23T14:00 B=4", "11-23T14:00 C=2"]);
  });

  it("counts a late counter in its own past window", async () => {
    h.startWorkers();
    await h.counters.add("counters", { counters: [{ timestamp: T, counts: [["A", 1]] }] });
    await h.drained();
    await h.counters.add("counters", { counters: [{ timestamp: T - 86_400, counts: [["A", 5]] }, { timestamp: T + 30, counts: [["A", 2]] }] });
    await h.drained();
    expect(await table("domain_minute")).toEqual(["11-22T14:53 A=5", "11-23T14:53 A=3"]);
    expect(await table("domain_hour")).toEqual(["11-22T14:00 A=5", "11-23T14:00 A=3"]);
  });

  it("counts a job delivered twice once, also when both deliveries run at the same time", async () => {
    const item = { jobId: "job-1", queuedAt: 0, data: { counters: [{ timestamp: T, counts: [["A", 7]] as [string, number][] }] } };
    await Promise.all([foldCounters(h.db, [item]), foldCounters(h.db, [item])]);
    await foldCounters(h.db, [item, item]);
    expect(await table("domain_minute")).toEqual(["11-23T14:53 A=7"]);
    expect(await table("domain_hour")).toEqual(["11-23T14:00 A=7"]);
  });

  it("counts a job re-added under the same id after it completed once", async () => {
    h.startWorkers();
    const data = { counters: [{ timestamp: T, counts: [["A", 1]] as [string, number][] }] };
    // An id as ingest makes them: the second add has another BullMQ timestamp, the same id and so the
    // same ledger partition.
    const jobId = newJobId();
    await h.counters.add("counters", data, { jobId });
    await h.drained();
    await (await h.counters.getJob(jobId))?.remove();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await h.counters.add("counters", data, { jobId });
    await h.drained();
    expect(await (await h.counters.getJob(jobId))?.getState()).toBe("completed");
    expect(await table("domain_minute")).toEqual(["11-23T14:53 A=1"]);
  });

  it("sums exactly past 2^53 and past bigint: no count is rounded or refused after its 202", async () => {
    const max = Number.MAX_SAFE_INTEGER;
    // Three counts of 2^53-1 in one job: a JavaScript sum would give …972, not …973.
    await h.counters.add("counters", { counters: [1, 2, 3].map((s) => ({ timestamp: T + s, counts: [["A", max]] as [string, number][] })) });
    // 1,100 of them for one domain: 2^63-1 (bigint) would overflow near the 1,025th.
    for (let job = 0; job < 2; job++) {
      await h.counters.add("counters", { counters: Array.from({ length: 550 }, () => ({ timestamp: T, counts: [["B", max]] as [string, number][] })) });
    }
    h.startWorkers();
    await h.drained();
    expect(await table("domain_minute")).toEqual([`11-23T14:53 A=${3n * BigInt(max)}`, `11-23T14:53 B=${1100n * BigInt(max)}`]);
    expect(await table("domain_hour")).toEqual([`11-23T14:00 A=27021597764222973`, `11-23T14:00 B=${1100n * BigInt(max)}`]);
    expect(await h.failedJobs()).toEqual([]);
  });
});
