import { stat, truncate } from "node:fs/promises";
import { eventually, type System } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { load, startSystemWithDir, type tempDir, writeJsonArray } from "./helpers.js";

let system: System;
let dir: Awaited<ReturnType<typeof tempDir>>;
let stop: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ system, dir, stop } = await startSystemWithDir());
});
afterAll(() => stop?.());

describe("tally load counters", () => {
  it("loads a JSON array file of counters, and the hour's top domains add up", async () => {
    const hour = Date.parse("2020-12-16T07:00:00Z") / 1000;
    const counters = Array.from({ length: 3000 }, (_, i) => ({ timestamp: hour + (i % 3600), "a.example": 1, "b.example": 2 }));
    const file = await writeJsonArray(dir.path("counters.json"), counters);

    const { code, summary } = await load(["load", "counters", file, "--url", system.ingestUrl, "--concurrency", "2"]);

    expect(code).toBe(0);
    expect(summary).toMatchObject({ events: 3000, accepted: 3000, rejected: 0, requests: 3 });
    type Top = { items: { domain: string; requests: number }[] };
    const top = await eventually(async () => {
      const answer = await system.getJson<Top>("/v1/stats/domains/top?window=hour&start=2020-12-16T07:00:00Z");
      return answer.items[0]?.requests === 6000 && answer.items[1]?.requests === 3000 ? answer : undefined;
    }, 20_000);
    expect(top.items).toEqual([
      { domain: "b.example", requests: 6000 },
      { domain: "a.example", requests: 3000 },
    ]);
  });
});

describe("tally load flows", () => {
  it("clamps --batch to the API's 10,000 flows per request and loads every flow", async () => {
    const flows = Array.from({ length: 25_000 }, (_, i) => ({ src_app: `app-${i % 50}`, dest_app: "db", vpc_id: "vpc-1", bytes_tx: 1, bytes_rx: 2, hour: 7 }));
    const file = await writeJsonArray(dir.path("flows.json"), flows);

    const { code, summary } = await load(["load", "flows", file, "--url", system.ingestUrl, "--batch", "50000"]);

    expect(code).toBe(0);
    expect(summary).toMatchObject({ events: 25_000, accepted: 25_000, rejected: 0, requests: 3 });
    expect(summary.notes).toEqual([expect.stringContaining("using 10000")]);
    type Page = { items: { src_app: string; bytes_tx: number; bytes_rx: number }[]; total: number };
    const page = await eventually(async () => {
      const answer = await system.getJson<Page>("/v1/flows?hour=7&size=100");
      return answer.total === 50 && answer.items.every((i) => i.bytes_tx === 500) ? answer : undefined;
    }, 20_000);
    expect(page.items.every((i) => i.bytes_rx === 1000)).toBe(true);
  });

  it("reports a JSON array that breaks off, after sending what came before it", async () => {
    const flow = { src_app: "cut", dest_app: "db", vpc_id: "vpc-1", bytes_tx: 1, bytes_rx: 1, hour: 8 };
    const file = dir.path("cut.json");
    await writeJsonArray(file, [flow, flow, flow]);
    const { size } = await stat(file);
    await truncate(file, size - 4); // "}\n]\n" gone: the third flow never ends

    const { code, summary } = await load(["load", "flows", file, "--url", system.ingestUrl]);

    expect(code).toBe(1);
    expect(summary).toMatchObject({ events: 2, accepted: 2, fileError: expect.stringMatching(/ends before the array is closed/) });
  });
});
