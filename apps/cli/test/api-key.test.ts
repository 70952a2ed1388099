import { startSystem, type System } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { load, tempDir, uuid, writeNdjson } from "./helpers.js";

const KEY = "cli-test-key-0123456789";

let system: System;
let dir: Awaited<ReturnType<typeof tempDir>>;
let file: string;
beforeAll(async () => {
  [system, dir] = await Promise.all([startSystem({ env: { INGEST_API_KEYS: KEY } }), tempDir()]);
  file = await writeNdjson(dir.path("keyed.ndjson"), Array.from({ length: 5000 }, (_, i) => ({ customerId: 301, type: "T", amount: "1", uuid: uuid(i) })));
});
afterAll(async () => {
  await Promise.all([system?.stop(), dir?.remove()]);
});

describe("tally load with API keys", () => {
  it("sends --api-key, or TALLY_API_KEY, as a bearer token", async () => {
    expect((await load(["load", "messages", file, "--url", system.ingestUrl, "--api-key", KEY])).summary).toMatchObject({ accepted: 5000 });
    expect((await load(["load", "messages", file, "--url", system.ingestUrl], { TALLY_API_KEY: KEY })).summary).toMatchObject({ accepted: 5000 });
  });

  it("stops after a 401 instead of sending every batch to be refused the same way", async () => {
    const { code, summary } = await load(["load", "messages", file, "--url", system.ingestUrl, "--api-key", "wrong-key-0123456789", "--concurrency", "1"]);
    expect(code).toBe(1);
    expect(summary).toMatchObject({ events: 5000, accepted: 0, rejected: 1000, notSent: 4000, requests: 1 });
    expect(summary.reasons).toEqual([
      expect.objectContaining({ outcome: "rejected", where: "lines 1–1000", status: 401 }),
      expect.objectContaining({ outcome: "notSent", events: 4000, batches: 4, message: expect.stringMatching(/^an earlier request was refused with 401/) }),
    ]);
  });
});
