import { listen } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdminBoard } from "../src/admin-board.js";
import { createWorkerHarness } from "./worker-harness.js";

let h: Awaited<ReturnType<typeof createWorkerHarness>>;
let readOnly: Awaited<ReturnType<typeof listen>>;
let writable: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  h = await createWorkerHarness();
  await h.counters.add("counters", { counters: [{ timestamp: 1, counts: [["A", 1]] }] });
  const queues = [h.messages, h.counters, h.flows];
  readOnly = await listen(createAdminBoard(queues, false));
  writable = await listen(createAdminBoard(queues, true));
});
afterAll(async () => {
  await readOnly.close();
  await writable.close();
  await h.close();
});

interface BoardQueues {
  queues: { name: string; readOnlyMode: boolean; counts: Record<string, number> }[];
}

describe("the queue dashboard", () => {
  it("serves its page and lists every queue with its counts", async () => {
    expect((await fetch(`${readOnly.url}/admin/queues`)).status).toBe(200);
    const { queues } = (await (await fetch(`${readOnly.url}/admin/queues/api/queues`)).json()) as BoardQueues;
    expect(queues.map((q) => q.name).sort()).toEqual(["counters", "flows", "messages"]);
    expect(queues.find((q) => q.name === "counters")?.counts.waiting).toBe(1);
  });

  it("is read-only unless actions are allowed", async () => {
    const readOnlyQueues = (await (await fetch(`${readOnly.url}/admin/queues/api/queues`)).json()) as BoardQueues;
    expect(readOnlyQueues.queues.every((q) => q.readOnlyMode)).toBe(true);
    const cleaned = await fetch(`${readOnly.url}/admin/queues/api/queues/counters/clean/waiting`, { method: "PUT" });
    expect(cleaned.ok).toBe(false);
    expect(await h.counters.getWaitingCount()).toBe(1);

    const writableQueues = (await (await fetch(`${writable.url}/admin/queues/api/queues`)).json()) as BoardQueues;
    expect(writableQueues.queues.every((q) => !q.readOnlyMode)).toBe(true);
  });
});
