import type { Message } from "@tally/client";
import { eventually, startSystem, type System } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsOf, ok } from "./clients.js";

let system: System;
let api: ReturnType<typeof clientsOf>;
beforeAll(async () => {
  system = await startSystem();
  api = clientsOf(system);
});
afterAll(() => system.stop());

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

/** The stats of every customer and type around today, through the query API. */
function stats() {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  return ok(api.query.GET("/v1/stats/messages", { params: { query: { from: day(-1), to: day(2), size: "1000" } } }));
}

/** POSTs messages through the client; the status it answered. */
const postMessages = async (body: Message | Message[]) => (await api.ingest.POST("/v1/messages", { body })).response.status;

describe("messages, end to end through the three processes", () => {
  it("shows a posted message in the stats, counting a repeated uuid once", async () => {
    const worker = await system.start("aggregator-worker");
    expect(await postMessages({ customerId: 7, type: "A", amount: "0.012", uuid: uuid(1) })).toBe(202);
    expect(await postMessages([{ customerId: 7, type: "A", amount: "9.999", uuid: uuid(1).toUpperCase() }])).toBe(202);
    expect(await postMessages({ customerId: 7, type: "A", amount: "0.024", uuid: uuid(2) })).toBe(202);
    const item = await eventually(async () => (await stats()).items.find((i) => i.customerId === 7 && i.count === 2));
    expect(item).toEqual({ customerId: 7, type: "A", count: 2, totalAmount: "0.036" });
    // The worker's watermark reaches the query API: the answer says up to when it is counted.
    const asOf = await eventually(async () => (await stats()).asOf ?? undefined);
    expect(Date.parse(asOf)).toBeGreaterThan(Date.now() - 60_000);
    expect(await worker.stop()).toBe(0);
  });

  it("dates a message to its quarter hour of acceptance and answers it in the zone's hour and day", async () => {
    const worker = await system.start("aggregator-worker");
    const before = Date.now();
    expect(await postMessages({ customerId: 11, type: "Q", amount: "1.500", uuid: uuid(11) })).toBe(202);
    const after = Date.now();
    // Asia/Kathmandu (+5:45): its hours start at :15 UTC. The message is in the one holding its acceptance.
    const quarter = (t: number) => Math.floor(t / 900_000) * 900_000;
    const from = new Date(quarter(before) - 6 * 3_600_000).toISOString();
    const to = new Date(quarter(after) + 3 * 3_600_000).toISOString();
    const query = { from, to, customerId: "11", window: "hour", tz: "Asia/Kathmandu" } as const;
    const answer = await eventually(async () => {
      const body = await ok(api.query.GET("/v1/stats/messages", { params: { query } }));
      return body.items.length > 0 ? body : undefined;
    });
    expect(answer.items).toHaveLength(1);
    const [item] = answer.items;
    expect(item).toMatchObject({ customerId: 11, type: "Q", count: 1, totalAmount: "1.500" });
    expect(new Date(item!.start!).getUTCMinutes()).toBe(15);
    expect(Date.parse(item!.end!) - Date.parse(item!.start!)).toBe(3_600_000);
    // Accepted between `before` and `after`: its hour starts no later than that, and ends after.
    expect(Date.parse(item!.start!)).toBeLessThanOrEqual(after);
    expect(Date.parse(item!.end!)).toBeGreaterThan(before);
    expect(await worker.stop()).toBe(0);
  });

  it("loses nothing when a worker is stopped with SIGTERM mid-stream, and it exits 0", async () => {
    const perRequest = 1000;
    const worker = await system.start("aggregator-worker");
    let posted = 0;
    let stopSent = false;
    // Posts until the worker has been told to stop and a few requests beyond, so the stop lands
    // mid-stream however fast the worker folds or the requests go (a fixed count could all be posted
    // before the first fold shows on a busy machine).
    const posting = (async () => {
      for (let after = 0; after < 5; posted++) {
        if (posted >= 500) throw new Error("the worker never showed a folded message");
        const batch = Array.from({ length: perRequest }, (_, i) => ({ customerId: 8, type: "T", amount: "0.001", uuid: uuid(1_000_000 + posted * perRequest + i) }));
        expect(await postMessages(batch)).toBe(202);
        if (stopSent) after++;
      }
    })();
    // Stop it once it has folded something, while requests keep coming.
    await eventually(async () => ((await stats()).items.some((i) => i.customerId === 8) ? true : undefined));
    const stopping = worker.stop("SIGTERM");
    stopSent = true;
    expect(await stopping).toBe(0);
    expect(worker.output()).toContain('"msg":"stopped"');
    await posting;
    const requests = posted;

    const successor = await system.start("aggregator-worker");
    const item = await eventually(async () => (await stats()).items.find((i) => i.customerId === 8 && i.count === requests * perRequest), 30_000);
    expect(item?.totalAmount).toBe(`${requests}.000`); // each request is 1,000 × 0.001
    expect(await successor.stop()).toBe(0);
  });
});
