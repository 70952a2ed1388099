import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { eventually, startSystem, type System } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsOf, ok } from "./clients.js";
import { startRedisCluster } from "./redis-cluster.js";

const run = promisify(execFile);
let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
let system: System;
let api: ReturnType<typeof clientsOf>;

beforeAll(async () => {
  cluster = await startRedisCluster();
  system = await startSystem({ redisUrl: cluster.url, env: { REDIS_CLUSTER: "true", QUEUE_PREFIX: "{tally-e2e}" } });
  api = clientsOf(system);
  await system.start("aggregator-worker");
}, 90_000);
afterAll(async () => {
  await system?.stop();
  await cluster?.stop();
});

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

describe("on a 3-master Redis Cluster", () => {
  it("carries every kind end to end", async () => {
    const { ingest, query } = api;
    const status = async (answer: Promise<{ response: Response }>) => (await answer).response.status;
    expect(await status(ingest.POST("/v1/messages", { body: [1, 2, 3].map((n) => ({ customerId: 5, type: "A", amount: "1.5", uuid: uuid(n) })) }))).toBe(202);
    expect(await status(ingest.POST("/v1/counters", { body: { timestamp: Date.UTC(2026, 10, 20, 9, 0, 5) / 1000, C: 8 } }))).toBe(202);
    expect(await status(ingest.POST("/v1/flows", { body: [{ src_app: "a", dest_app: "b", vpc_id: "v", bytes_tx: 1, bytes_rx: 2, hour: 3 }] }))).toBe(202);
    const products = [{ id: "cluster-1", name: "x" }];
    expect(await status(ingest.POST("/v1/products", { body: products }))).toBe(202);
    expect(await status(ingest.POST("/v1/products", { body: products }))).toBe(403);

    const day = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const messages = await eventually(async () => {
      const body = await ok(query.GET("/v1/stats/messages", { params: { query: { from: day, to: tomorrow } } }));
      return body.items[0]?.count === 3 ? body.items[0] : undefined;
    });
    expect(messages.totalAmount).toBe("4.500");
    await eventually(async () => {
      const top = await ok(query.GET("/v1/stats/domains/top", { params: { query: { window: "minute", start: "2026-11-20T09:00:00Z" } } }));
      return top.items.length === 1 ? true : undefined;
    });
    await eventually(async () => ((await ok(query.GET("/v1/flows", { params: { query: { hour: "3" } } }))).total === 1 ? true : undefined));
    await eventually(async () => ((await query.GET("/v1/products/{id}", { params: { path: { id: "cluster-1" } } })).response.ok ? true : undefined));
  });

  it("keeps each queue's keys in one slot, and spreads the body digests", async () => {
    const keys: string[] = [];
    for (const port of cluster.ports) keys.push(...(await run("redis-cli", ["-p", String(port), "--scan"])).stdout.split("\n").filter(Boolean));
    const queueKeys = keys.filter((k) => k.startsWith("{tally-e2e}:"));
    expect(queueKeys.length).toBeGreaterThan(5);
    const slots = new Set(await Promise.all(queueKeys.map(async (k) => (await run("redis-cli", ["-p", String(cluster.ports[0]), "cluster", "keyslot", k])).stdout.trim())));
    expect(slots.size).toBe(1);
    expect(keys.filter((k) => k.startsWith("tally-e2e:products:digest:{"))).toHaveLength(1);
  });
});
