import { randomUUID } from "node:crypto";
import { createRedisConnection, pendingUploadKey, type RedisConnection } from "@tally/shared/redis";
import { createTestDatabase, createTestRedis, expectProblem, type TestDatabase } from "@tally/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPendingUploads } from "../src/products/pending-uploads.js";
import { serveQueryApi } from "./serve-query-api.js";

let database: TestDatabase;
let server: Awaited<ReturnType<typeof serveQueryApi>>;
let redisDown: Awaited<ReturnType<typeof serveQueryApi>>;
const redis = createTestRedis();
let connection: RedisConnection;
let deadConnection: RedisConnection;
const ids = { pending: randomUUID(), applied: randomUUID(), failed: randomUUID(), unaccepted: randomUUID() };
const AT = "2026-11-23T13:00:00.000Z";

beforeAll(async () => {
  database = await createTestDatabase();
  const accepted = (id: string, extra: object = {}) => ({ upload_id: id, accepted_seq: sql<string>`nextval('product_acceptance_seq')`, accepted_at: new Date(AT), products: 3, ...extra });
  await database.db
    .insertInto("product_uploads")
    .values([
      accepted(ids.pending),
      accepted(ids.applied, { applied_at: new Date("2026-11-23T13:00:01.000Z") }),
      accepted(ids.failed, { failed_at: new Date("2026-11-23T13:00:02.000Z"), failure: "value overflows numeric format" }),
      { upload_id: ids.unaccepted },
    ])
    .execute();
  connection = createRedisConnection(redis.url, "producer");
  server = await serveQueryApi(database.url, { pendingUploads: createPendingUploads(connection, redis.prefix) });
  deadConnection = createRedisConnection("redis://127.0.0.1:1", "producer");
  deadConnection.on("error", () => {});
  redisDown = await serveQueryApi(database.url, { pendingUploads: createPendingUploads(deadConnection, redis.prefix) });
});
afterAll(async () => {
  await server.close();
  await redisDown.close();
  connection.disconnect();
  deadConnection.disconnect();
  await redis.clear();
  await database.drop();
});

const get = (id: string) => fetch(`${server.url}/v1/products/uploads/${id}`);

describe("GET /v1/products/uploads/:id", () => {
  it.each([
    ["pending", { appliedAt: null, failedAt: null, reason: null }],
    ["applied", { appliedAt: "2026-11-23T13:00:01.000Z", failedAt: null, reason: null }],
    ["failed", { appliedAt: null, failedAt: "2026-11-23T13:00:02.000Z", reason: "value overflows numeric format" }],
  ] as const)("answers a %s upload's status", async (status, outcome) => {
    const res = await get(ids[status]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: ids[status], status, products: 3, acceptedAt: AT, ...outcome });
  });

  it("finds an id in upper case, as uuids compare", async () => {
    expect((await get(ids.applied.toUpperCase())).status).toBe(200);
  });

  it.each([
    ["an unknown id", randomUUID()],
    ["an upload never accepted (its transaction never committed, or a stray row)", ids.unaccepted],
    ["an id that is not a UUID", "not-a-uuid"],
  ])("answers 404 for %s", async (_, id) => {
    const problem = await expectProblem(await get(id), 404);
    expect(problem.detail).toContain(id);
  });
});

describe("GET /v1/products/uploads/:id for a small upload (in a job, not in Postgres, until applied)", () => {
  // What ingest writes when it queues a small upload (its test checks it does).
  const queueJob = (id: string) => connection.set(pendingUploadKey(redis.prefix, id), JSON.stringify({ products: 2, acceptedAt: Date.parse(AT) }));

  it("answers pending from ingest's mark, then applied from the row the worker records", async () => {
    const id = randomUUID();
    await queueJob(id);
    const pending = await get(id);
    expect(pending.status).toBe(200);
    expect(await pending.json()).toEqual({ id, status: "pending", products: 2, acceptedAt: AT, appliedAt: null, failedAt: null, reason: null });
    // The worker records the upload applied, then deletes the mark.
    await database.db.insertInto("product_uploads").values({ upload_id: id, accepted_seq: "7", accepted_at: new Date(AT), products: 2, applied_at: new Date("2026-11-23T13:00:01.000Z") }).execute();
    await connection.del(pendingUploadKey(redis.prefix, id));
    expect(await (await get(id.toUpperCase())).json()).toMatchObject({ status: "applied", appliedAt: "2026-11-23T13:00:01.000Z" });
  });

  it("answers 404 for an id neither Postgres nor the queue knows", async () => {
    await expectProblem(await get(randomUUID()), 404);
  });

  it("answers 503 with Retry-After when Postgres does not know the id and Redis cannot be asked", async () => {
    const id = randomUUID();
    await queueJob(id);
    const res = await fetch(`${redisDown.url}/v1/products/uploads/${id}`);
    await expectProblem(res, 503);
    expect(res.headers.get("retry-after")).toBe("5");
    // An upload Postgres knows is answered without Redis.
    expect((await fetch(`${redisDown.url}/v1/products/uploads/${ids.applied}`)).status).toBe(200);
  });
});
