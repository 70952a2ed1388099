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

describe("tally load products", () => {
  it("sends the file as one body, then reports the same file again as rejected (403) with the API's reason", async () => {
    const products = Array.from({ length: 2000 }, (_, i) => ({ id: i + 1, name: `product ${i + 1}`, price: "9.99" }));
    const file = await writeJsonArray(dir.path("catalogue.json"), products);

    const first = await load(["load", "products", file, "--url", system.ingestUrl]);
    expect(first.code).toBe(0);
    expect(first.summary).toMatchObject({ events: 2000, accepted: 2000, rejected: 0, requests: 1 });
    await eventually(async () => ((await system.get("/v1/products/2000")).ok ? true : undefined), 20_000);

    const again = await load(["load", "products", file, "--url", system.ingestUrl]);
    expect(again.code).toBe(1);
    expect(again.summary).toMatchObject({ events: 2000, accepted: 0, rejected: 2000, requests: 1, retries: 0 });
    expect(again.summary.reasons).toEqual([
      expect.objectContaining({ outcome: "rejected", where: "the file", status: 403, message: expect.stringMatching(/^Duplicate body: an identical body was accepted at /) }),
    ]);
  });

  it("reports the products the API refused, with the element's index", async () => {
    const file = await writeJsonArray(dir.path("bad-catalogue.json"), [{ id: "ok" }, { name: "no id" }, { id: "also ok" }]);
    const { code, summary } = await load(["load", "products", file, "--url", system.ingestUrl]);
    expect(code).toBe(1);
    expect(summary).toMatchObject({ events: 3, accepted: 0, rejected: 3 });
    expect(summary.reasons[0]).toMatchObject({ status: 422, errors: [expect.stringMatching(/^\[1\]\.id: /)] });
  });
});
