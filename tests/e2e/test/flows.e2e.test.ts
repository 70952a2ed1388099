import { eventually, startSystem, type System } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let system: System;
beforeAll(async () => {
  system = await startSystem();
  await system.start("aggregator-worker");
});
afterAll(() => system.stop());

const flow = (src: string, tx: number, rx: number, hour = 1) => ({ src_app: src, dest_app: "bar", vpc_id: "vpc-0", bytes_tx: tx, bytes_rx: rx, hour });
type Page = { items: { src_app: string; bytes_tx: number; bytes_rx: number; hour: number }[]; total: number };

describe("flows, end to end", () => {
  it("sums bytes per key within a request and across requests, hours apart", async () => {
    expect((await system.post("/flows", [flow("foo", 100, 300), flow("foo", 200, 600), flow("baz", 100, 500), flow("foo", 1, 1, 2)])).status).toBe(202);
    expect((await system.post("/v1/flows", [flow("foo", 1000, 1000)])).status).toBe(202);
    const hour1 = await eventually(async () => {
      const page = await system.getJson<Page>("/flows?hour=1");
      return page.items.find((i) => i.src_app === "foo" && i.bytes_tx === 1300) ? page : undefined;
    });
    expect(hour1.items.map((i) => [i.src_app, i.bytes_tx, i.bytes_rx])).toEqual([
      ["baz", 100, 500],
      ["foo", 1300, 1900],
    ]);
    expect(hour1.total).toBe(2);
    expect((await system.getJson<Page>("/v1/flows?hour=2")).items.map((i) => i.bytes_tx)).toEqual([1]);
  });
});
