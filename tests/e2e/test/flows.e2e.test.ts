import type { Flow } from "@tally/client";
import { eventually, startSystem, type System } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsOf, ok } from "./clients.js";

let system: System;
let api: ReturnType<typeof clientsOf>;
beforeAll(async () => {
  system = await startSystem();
  api = clientsOf(system);
  await system.start("aggregator-worker");
});
afterAll(() => system.stop());

const flow = (src: string, tx: number, rx: number, hour = 1): Flow => ({ src_app: src, dest_app: "bar", vpc_id: "vpc-0", bytes_tx: tx, bytes_rx: rx, hour });
/** An hour's page of flows, through the query API at `path` (the seed's `/flows` or `/v1/flows`). */
const page = (path: "/flows" | "/v1/flows", hour: number) => ok(api.query.GET(path, { params: { query: { hour: String(hour) } } }));

describe("flows, end to end", () => {
  it("sums bytes per key within a request and across requests, hours apart", async () => {
    expect((await api.ingest.POST("/flows", { body: [flow("foo", 100, 300), flow("foo", 200, 600), flow("baz", 100, 500), flow("foo", 1, 1, 2)] })).response.status).toBe(202);
    expect((await api.ingest.POST("/v1/flows", { body: [flow("foo", 1000, 1000)] })).response.status).toBe(202);
    const hour1 = await eventually(async () => {
      const answer = await page("/flows", 1);
      return answer.items.find((i) => i.src_app === "foo" && i.bytes_tx === 1300) ? answer : undefined;
    });
    expect(hour1.items.map((i) => [i.src_app, i.bytes_tx, i.bytes_rx])).toEqual([
      ["baz", 100, 500],
      ["foo", 1300, 1900],
    ]);
    expect(hour1.total).toBe(2);
    expect((await page("/v1/flows", 2)).items.map((i) => i.bytes_tx)).toEqual([1]);
  });
});
