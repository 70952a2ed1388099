import { createMetricsRegistry } from "@tally/shared/http";
import { createLogger } from "@tally/shared/logger";
import { createRedisConnection, type CountersJob, type FlowsJob, type MessagesJob } from "@tally/shared/queues";
import { createTestRedis, listen, testConfig } from "@tally/testing";
import type { Job, Queue } from "bullmq";
import { createApp } from "../src/app.js";
import { createIngestQueues } from "../src/queues.js";

export const ACCEPTED_AT = Date.UTC(2026, 10, 23, 14, 54, 30);

/** The ingest app on a real Redis under a queue prefix of its own, with the clock pinned. */
export async function startIngest(env: Record<string, string> = {}) {
  const redis = createTestRedis();
  const config = testConfig({ QUEUE_PREFIX: redis.prefix, ...env });
  const connection = createRedisConnection(env.REDIS_URL ?? redis.url, "producer");
  connection.on("error", () => {});
  const queues = createIngestQueues(connection, config.QUEUE_PREFIX);
  const app = createApp({
    config,
    queues,
    logger: createLogger("ingest-api", "silent"),
    registry: createMetricsRegistry("ingest-api"),
    clock: () => ACCEPTED_AT,
    pingRedis: () => connection.ping(),
  });
  const server = await listen(app);
  return {
    url: server.url,
    queues,
    /** Every job waiting in the messages queue. */
    messageJobs: (): Promise<Job<MessagesJob>[]> => waiting(queues.messages),
    /** Every job waiting in the counters queue. */
    counterJobs: (): Promise<Job<CountersJob>[]> => waiting(queues.counters),
    /** Every job waiting in the flows queue. */
    flowJobs: (): Promise<Job<FlowsJob>[]> => waiting(queues.flows),
    /** POSTs a body as bytes, so fetch adds no Content-Type of its own. */
    post(path: string, body: string | object, headers: Record<string, string> = { "content-type": "application/json" }) {
      return fetch(`${server.url}${path}`, {
        method: "POST",
        headers,
        body: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
      });
    },
    async close() {
      await server.close();
      await queues.close();
      connection.disconnect();
      await redis.clear();
    },
  };
}

export type Ingest = Awaited<ReturnType<typeof startIngest>>;

function waiting<T>(queue: Queue<T>): Promise<Job<T>[]> {
  return queue.getJobs(["waiting", "prioritized", "delayed"]) as Promise<Job<T>[]>;
}
