import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIngest, type Ingest } from "./ingest-harness.js";

let ingest: Ingest;
beforeAll(async () => {
  ingest = await startIngest();
});
afterAll(() => ingest.close());

const metrics = async () => (await fetch(`${ingest.url}/metrics`)).text();
const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

describe("ingest metrics", () => {
  it("count events accepted and requests rejected per kind, and show the backlog", async () => {
    await ingest.post("/v1/messages", [1, 2, 3].map((n) => ({ customerId: 1, type: "A", amount: "1", uuid: uuid(n) })));
    await ingest.post("/v1/counters", { timestamp: 1, A: 1 });
    await ingest.post("/v1/flows", "{");
    await ingest.post("/v1/products", '[{"id": 1}]');
    await ingest.post("/v1/products", '[{"id": 1}]');
    await ingest.queues.refreshBacklog();
    const text = await metrics();
    expect(value(text, 'tally_events_accepted_total{kind="messages",service="ingest-api"}')).toBe(3);
    expect(value(text, 'tally_events_accepted_total{kind="counters",service="ingest-api"}')).toBe(1);
    expect(value(text, 'tally_events_accepted_total{kind="products",service="ingest-api"}')).toBe(1);
    expect(value(text, 'tally_requests_rejected_total{kind="flows",status="400",service="ingest-api"}')).toBe(1);
    expect(value(text, 'tally_requests_rejected_total{kind="products",status="403",service="ingest-api"}')).toBe(1);
    expect(value(text, 'tally_queue_backlog{queue="messages",service="ingest-api"}')).toBe(1);
  });
});
