import { eventually, startSystem, type System } from "@tally/testing";
import { afterEach, describe, expect, it } from "vitest";
import { spawnCli, tempDir, uuid, writeJsonArray, writeNdjson, type SummaryJson } from "./helpers.js";

let system: System | undefined;
let dir: Awaited<ReturnType<typeof tempDir>> | undefined;
afterEach(async () => {
  await Promise.all([system?.stop(), dir?.remove()]);
  system = dir = undefined;
});

/**
 * A system whose ingest API sheds load at once: at most 2 jobs waiting per queue, and no worker yet.
 * `fill` posts until the API answers 429 (sequential posts are separate jobs), so the loader meets 429s
 * from its first request however fast it is. (The API re-reads its backlog every 500 ms.)
 */
async function overloadedSystem(fill: (s: System, n: number) => Promise<Response>): Promise<System> {
  const started = (system = await startSystem({ env: { MAX_QUEUE_BACKLOG: "2" } }));
  let n = 0;
  await eventually(async () => ((await fill(started, n++)).status === 429 ? true : undefined), 10_000, "the ingest API to answer 429");
  return started;
}

/** Runs the CLI as its own process (stderr a pipe: plain progress lines), and starts a worker once it is retrying. */
async function loadWhileOverloaded(s: System, args: string[]): Promise<{ code: number | null; summary: SummaryJson }> {
  const loader = spawnCli([...args, "--url", s.ingestUrl, "--json", "--max-wait", "60s"]);
  await eventually(async () => (/\d+ retries/.test(loader.stderr()) ? true : undefined), 30_000, `retries in:\n${loader.stderr()}`);
  await s.start("aggregator-worker");
  const code = await loader.exited;
  return { code, summary: JSON.parse(loader.stdout()) as SummaryJson };
}

describe("tally load under backpressure", () => {
  it("waits out 429s until a worker drains the backlog, then has every event accepted", async () => {
    dir = await tempDir();
    const s = await overloadedSystem((sys, n) => sys.post("/v1/messages", [{ customerId: 200, type: "T", amount: "0.001", uuid: uuid(1_000_000 + n) }]));
    const file = await writeNdjson(dir.path("flood.ndjson"), Array.from({ length: 20_000 }, (_, i) => ({ customerId: 201, type: "T", amount: "0.001", uuid: uuid(i) })));

    const { code, summary } = await loadWhileOverloaded(s, ["load", "messages", file]);

    expect(code).toBe(0);
    expect(summary).toMatchObject({ events: 20_000, accepted: 20_000, rejected: 0, ambiguous: 0, notSent: 0 });
    expect(summary.retries).toBeGreaterThan(0);
    expect(summary.waitedSeconds).toBeGreaterThan(0);
    expect(summary.requests).toBe(20 + summary.retries);
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    await eventually(async () => {
      const stats = await s.getJson<{ items: { count: number }[] }>(`/v1/stats/messages?from=${day(-1)}&to=${day(2)}&customerId=201`);
      return stats.items[0]?.count === 20_000 ? true : undefined;
    }, 30_000);
  });

  it("streams a products file again from its start after each 429, and it is accepted once", async () => {
    dir = await tempDir();
    const s = await overloadedSystem((sys, n) => sys.post("/v1/products", [{ id: `filler-${n}` }]));
    // A few MB: the 429 comes before the API reads the body, so the loader must stop sending mid-file.
    const products = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `product ${i}`, description: "x".repeat(200) }));
    const file = await writeJsonArray(dir.path("catalogue.json"), products);

    const { code, summary } = await loadWhileOverloaded(s, ["load", "products", file]);

    expect(code).toBe(0);
    expect(summary).toMatchObject({ events: 20_000, accepted: 20_000, rejected: 0, ambiguous: 0, notSent: 0 });
    expect(summary.retries).toBeGreaterThan(0);
    expect(summary.requests).toBe(1 + summary.retries);
    await eventually(async () => ((await s.get("/v1/products/19999")).ok ? true : undefined), 30_000);
  });
});
