import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { createWorkerHarness } from "./worker-harness.js";

const AT = Date.UTC(2026, 10, 23, 14); // the quarter hour the messages were accepted in
const QUARTER = "2026-11-23T14:00:00.000Z";
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const msg = (n: number, amount = "1", customerId = 1, type = "A") => ({ customerId, type, amount, uuid: uuid(n) });

let h: Awaited<ReturnType<typeof createWorkerHarness>>;
beforeEach(async () => {
  h = await createWorkerHarness();
});
afterEach(() => h.close());

describe("messages worker", () => {
  it("folds messages into the quarter-hour rollup per customer and type", async () => {
    await h.messages.add("messages", { quarter: AT, messages: [msg(1, "0.5"), msg(2, "0.25"), msg(3, "1", 2, "B")] });
    await h.messages.add("messages", { quarter: AT + 45 * 60_000, messages: [msg(4, "2")] });
    h.startWorkers();
    await h.drained();
    expect(await h.rollup()).toEqual([
      { quarter: QUARTER, customerId: 1, type: "A", count: 2, total: "0.750" },
      { quarter: QUARTER, customerId: 2, type: "B", count: 1, total: "1.000" },
      { quarter: "2026-11-23T14:45:00.000Z", customerId: 1, type: "A", count: 1, total: "2.000" },
    ]);
  });

  it("records each pair's UTC hour once, however many of its quarters and batches hold it", async () => {
    // Two rounds, so that the second finds rows and keys there already: (1, A) comes again at 14:00 (an
    // update, which records nothing), new at 14:30 (a new quarter of an hour already recorded) and at
    // 15:00 (a new hour); (2, B) is new at 14:00 and again new at 14:30.
    await h.messages.add("messages", { quarter: AT, messages: [msg(1), msg(2, "1", 2, "B")] });
    h.startWorkers();
    await h.drained();
    await h.messages.add("messages", { quarter: AT, messages: [msg(3)] });
    await h.messages.add("messages", { quarter: AT + 30 * 60_000, messages: [msg(4), msg(5, "1", 2, "B")] });
    await h.messages.add("messages", { quarter: AT + 60 * 60_000, messages: [msg(6)] });
    await h.drained();
    const { rows } = await sql<{ hour: Date; customer_id: string; type: string }>`
      SELECT hour, customer_id, type FROM message_hour_keys ORDER BY 1, 2, 3`.execute(h.db);
    expect(rows.map((r) => `${r.hour.toISOString()} ${r.customer_id}/${r.type}`)).toEqual([
      "2026-11-23T14:00:00.000Z 1/A",
      "2026-11-23T14:00:00.000Z 2/B",
      "2026-11-23T15:00:00.000Z 1/A",
    ]);
  });

  it("folds a job queued by the previous release (an `hour`, not a `quarter`) into its hour's first quarter", async () => {
    // Such jobs are in Redis when the upgrade happens: the new worker must count them, once, where
    // the old rollup had them (the hour's start), beside the new quarter rows of the same key.
    await h.messages.add("messages", { hour: AT, messages: [msg(1, "1.5"), msg(2, "2")] });
    await h.messages.add("messages", { hour: AT + 3_600_000, messages: [msg(3, "4", 2, "B")] });
    await h.messages.add("messages", { quarter: AT, messages: [msg(4, "0.25"), msg(7, "9")] });
    await h.messages.add("messages", { quarter: AT + 15 * 60_000, messages: [msg(5, "0.5")] });
    await h.messages.add("messages", { hour: AT + 15 * 60_000, messages: [msg(6)] }, { jobId: "off-the-hour" });
    h.startWorkers();
    await h.drained();
    expect(await h.rollup()).toEqual([
      { quarter: QUARTER, customerId: 1, type: "A", count: 4, total: "12.750" },
      { quarter: "2026-11-23T14:15:00.000Z", customerId: 1, type: "A", count: 1, total: "0.500" },
      { quarter: "2026-11-23T15:00:00.000Z", customerId: 2, type: "B", count: 1, total: "4.000" },
    ]);
    // The previous release never wrote an hour off the hour: such a job is not one of its jobs.
    const offHour = await h.messages.getJob("off-the-hour");
    expect(await offHour?.getState()).toBe("failed");
    expect(await h.messages.getJobCounts("completed", "failed")).toEqual({ completed: 4, failed: 1 });
  });

  it("refuses a quarter off the 15-minute grid", async () => {
    await h.messages.add("messages", { quarter: AT + 60_000, messages: [msg(1)] }, { jobId: "off-grid" });
    h.startWorkers();
    await h.drained();
    expect(await h.rollup()).toEqual([]);
    expect((await h.messages.getJob("off-grid"))?.failedReason).toMatch(/invalid job data/);
  });

  it("counts a uuid once when it comes again upper-cased with another amount: the first wins", async () => {
    h.startWorkers();
    await h.messages.add("messages", { quarter: AT, messages: [msg(1, "1.000")] });
    await h.drained();
    await h.messages.add("messages", { quarter: AT, messages: [{ ...msg(1, "5.000"), uuid: uuid(1).toUpperCase() }] });
    await h.messages.add("messages", { quarter: AT, messages: [msg(1, "7.000"), msg(1, "9.000")] });
    await h.drained();
    expect(await h.rollup()).toEqual([{ quarter: QUARTER, customerId: 1, type: "A", count: 1, total: "1.000" }]);
  });

  it("counts a job delivered twice once", async () => {
    const payload = { quarter: AT, messages: [msg(1), msg(2)] };
    await h.messages.add("messages", payload);
    await h.messages.add("messages", payload);
    h.startWorkers();
    await h.drained();
    expect(await h.rollup()).toEqual([{ quarter: QUARTER, customerId: 1, type: "A", count: 2, total: "2.000" }]);
  });

  it("sums exactly: 0.1 + 0.2 is 0.300 and 999999999999999.999 twice is 1999999999999999.998", async () => {
    await h.messages.add("messages", {
      hour: AT,
      messages: [msg(1, "0.1", 1), msg(2, "0.2", 1), msg(3, "999999999999999.999", 2), msg(4, "999999999999999.999", 2)],
    });
    h.startWorkers();
    await h.drained();
    expect((await h.rollup()).map((r) => r.total)).toEqual(["0.300", "1999999999999999.998"]);
  });

  it("two workers draining a queue full of duplicates count each uuid once", async () => {
    const distinct = 2000;
    const jobs = Array.from({ length: 100 }, (_, j) => ({
      name: "messages",
      // Each uuid appears in ~10 jobs; its amount depends only on the uuid, so the total is known.
      data: { quarter: AT, messages: Array.from({ length: 200 }, (_, i) => (j * 200 + i * 7) % distinct).map((n) => msg(n, `${n % 10}.5`)) },
    }));
    await h.messages.addBulk(jobs);
    const workers = [h.startWorkers(), h.startWorkers()];
    await h.drained(30_000);
    const stats = workers.flatMap((w) => w.workers.map((x) => x.stats));
    expect(stats.reduce((n, s) => n + s.jobs, 0)).toBe(100);
    expect(stats.reduce((n, s) => n + s.batches, 0)).toBeLessThan(50); // many jobs per transaction
    const expectedTotal = Array.from({ length: distinct }, (_, n) => (n % 10) + 0.5).reduce((a, b) => a + b, 0);
    expect(await h.rollup()).toEqual([{ quarter: QUARTER, customerId: 1, type: "A", count: distinct, total: expectedTotal.toFixed(3) }]);
    const ledger = await sql<{ n: string }>`SELECT count(*) AS n FROM message_ledger`.execute(h.db);
    expect(Number(ledger.rows[0]?.n)).toBe(distinct);
    expect(await h.messages.getJobCounts("completed", "failed")).toEqual({ completed: 100, failed: 0 });

    // The workers' metrics tell the same story.
    const scraped = await Promise.all(workers.map((w) => w.registry.getMetricsAsJSON()));
    const sum = (name: string, labels: Record<string, string>) =>
      scraped
        .flatMap((metrics) => metrics.filter((m) => m.name === name).flatMap((m) => m.values as { value: number; labels: Record<string, string>; metricName?: string }[]))
        .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
        .reduce((n, v) => n + v.value, 0);
    expect(sum("tally_folded_total", { queue: "messages" })).toBe(distinct);
    expect(sum("tally_duplicates_skipped_total", { queue: "messages" })).toBe(100 * 200 - distinct);
    expect(sum("tally_worker_lag_seconds", { queue: "messages", le: "+Inf" })).toBe(100);
    expect(sum("tally_batch_jobs", { queue: "messages", le: "+Inf" })).toBe(stats.reduce((n, s) => n + s.batches, 0));
    expect(sum("tally_queue_jobs", { queue: "messages", state: "waiting" })).toBe(0);
  });

  it("sends a job whose payload does not parse to the failed set with its reason, and folds the others", async () => {
    await h.messages.add("messages", { quarter: AT, messages: [msg(1)] });
    await h.messages.add("messages", { quarter: AT, messages: [{ customerId: "x" }] } as never, { jobId: "poison" });
    await h.messages.add("messages", { quarter: AT, messages: [msg(2)] });
    h.startWorkers();
    await h.drained();
    expect(await h.rollup()).toEqual([{ quarter: QUARTER, customerId: 1, type: "A", count: 2, total: "2.000" }]);
    const failed = await h.messages.getJob("poison");
    expect(await failed?.getState()).toBe("failed");
    expect(failed?.failedReason).toMatch(/invalid job data.*customerId/s);
    expect(failed?.attemptsMade).toBe(1);
  });
});
