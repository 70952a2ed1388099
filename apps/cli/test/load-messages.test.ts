import { eventually, type System } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../src/cli.js";
import { load, startSystemWithDir, type tempDir, uuid, writeNdjson } from "./helpers.js";

let system: System;
let dir: Awaited<ReturnType<typeof tempDir>>;
let stop: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ system, dir, stop } = await startSystemWithDir());
});
afterAll(() => stop?.());

type Stats = { items: { customerId: number; type: string; count: number; totalAmount: string }[] };

/** Today's stats of one customer: messages are dated when the API accepts them. */
async function statsOf(customerId: number) {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const stats = await system.getJson<Stats>(`/v1/stats/messages?from=${day(-1)}&to=${day(2)}&customerId=${customerId}`);
  return stats.items;
}

describe("tally load messages", () => {
  it("loads 5,000 NDJSON lines in batches, and the stats count each uuid once", async () => {
    // 5,000 lines, 4,500 uuids: lines 4,500… repeat the first 500 (and the API dedupes at the worker, not at ingest).
    const lines = Array.from({ length: 5000 }, (_, i) => ({ customerId: 101, type: i % 2 ? "odd" : "even", amount: "0.010", uuid: uuid(i % 4500) }));
    const file = await writeNdjson(dir.path("messages.ndjson"), lines);

    const { code, summary } = await load(["load", "messages", file, "--url", system.ingestUrl]);

    expect(code).toBe(0);
    expect(summary).toMatchObject({ events: 5000, accepted: 5000, rejected: 0, ambiguous: 0, notSent: 0, requests: 5, retries: 0, reasons: [] });
    const items = await eventually(async () => {
      const found = await statsOf(101);
      return found.reduce((n, i) => n + i.count, 0) === 4500 ? found : undefined;
    }, 20_000);
    expect(items).toEqual([
      { customerId: 101, type: "even", count: 2250, totalAmount: "22.500" },
      { customerId: 101, type: "odd", count: 2250, totalAmount: "22.500" },
    ]);
  });

  it("counts accepted and rejected events of a file with a few bad lines, names the lines, and exits 1", async () => {
    const lines: unknown[] = Array.from({ length: 1000 }, (_, i) => ({ customerId: 102, type: "T", amount: "1", uuid: uuid(10_000 + i) }));
    lines[149] = { customerId: 102, type: "T", amount: 1, uuid: uuid(20_000) }; // line 150: an amount must be a string → its batch is refused
    lines[776] = '{"customerId": 102, "type": '; // line 777: not JSON at all → that line alone is refused
    lines.splice(500, 0, ""); // a blank line is no event
    const file = await writeNdjson(dir.path("some-bad.ndjson"), lines);

    const { code, summary } = await load(["load", "messages", file, "--url", system.ingestUrl, "--batch", "100"]);

    expect(code).toBe(1);
    // Batch 2 is lines 101–200 (100 events, refused whole by the API); line 778 (777 before the blank) alone.
    expect(summary).toMatchObject({ events: 1000, accepted: 899, rejected: 101, ambiguous: 0, notSent: 0 });
    expect(summary.reasons).toEqual([
      expect.objectContaining({ outcome: "rejected", where: "lines 101–200", status: 422, events: 100, errors: [expect.stringMatching(/^line 150, amount: /)] }),
      expect.objectContaining({ outcome: "rejected", where: "line 778", events: 1, message: expect.stringMatching(/^not valid JSON/) }),
    ]);
    // What the API did take is really in: 899 messages of 1 each.
    await eventually(async () => ((await statsOf(102))[0]?.totalAmount === "899.000" ? true : undefined), 20_000);
  });

  it("prints a readable summary with the problem's reason when not asked for JSON", async () => {
    const file = await writeNdjson(dir.path("one-bad.ndjson"), [{ customerId: 103, type: "T", amount: "1", uuid: "not-a-uuid" }]);
    const out: string[] = [];
    const code = await run(["load", "messages", file, "--url", system.ingestUrl, "--quiet"], { stdout: { write: (s) => out.push(s) }, stderr: { write: () => {} }, env: {} });
    expect(code).toBe(1);
    expect(out.join("")).toMatch(/rejected\s+1\n/);
    expect(out.join("")).toMatch(/rejected, line 1, 1 event: 422 Validation failed: 1 invalid field\n\s+line 1, uuid: /);
  });
});
