import { Queue } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";

/** The BullMQ queues ingest produces to (README: one per event kind). */
const QUEUE_NAMES = ["messages", "counters", "flows", "products"];

/** Every table an ingest request can end up writing, directly (products staging) or through a worker. */
const TABLES = [
  "message_ledger",
  "message_rollup",
  "domain_minute",
  "domain_hour",
  "counter_job_ledger",
  "flow_rollup",
  "flow_hour_keys",
  "flow_job_ledger",
  "product_uploads",
  "product_staging",
  "products",
] as const;

export type Snapshot = Record<string, number>;

/**
 * Counts of everything a request could leave behind: jobs in every state of every queue, rows of every
 * rollup, ledger and staging table, the products acceptance sequence, and products dedup windows in Redis.
 */
export class SideEffects {
  private readonly queues: Queue[];
  private readonly redis: Redis;
  private readonly pool: pg.Pool;

  constructor(
    redisUrl: string,
    private readonly prefix: string,
    databaseUrl: string,
  ) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
    this.queues = QUEUE_NAMES.map((name) => new Queue(name, { connection: this.redis, prefix }));
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  }

  async snapshot(): Promise<Snapshot> {
    const [rows, counts, digests, pending] = await Promise.all([
      this.pool.query<Record<string, string>>(
        `SELECT ${TABLES.map((t) => `(SELECT count(*) FROM ${t}) AS ${t}`).join(", ")}, (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM product_acceptance_seq) AS acceptance_seq`,
      ),
      Promise.all(this.queues.map(async (q) => [`jobs:${q.name}`, Object.values(await q.getJobCounts()).reduce((a, b) => a + b, 0)] as const)),
      this.countKeys(`${this.prefix}:products:digest:*`),
      this.countKeys(`${this.prefix}:products:pending:*`),
    ]);
    const row = rows.rows[0]!;
    return {
      ...Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])),
      ...Object.fromEntries(counts),
      "redis:dedup-windows": digests,
      // Small products uploads accepted but not yet recorded in Postgres by a worker.
      "redis:pending-uploads": pending,
    };
  }

  /** Jobs of every queue that have not completed (waiting, active, delayed for a retry, failed). */
  async unfinishedJobs(): Promise<number> {
    const counts = await Promise.all(this.queues.map((q) => q.getJobCounts()));
    return counts.reduce((sum, c) => sum + Object.entries(c).reduce((s, [state, n]) => s + (state === "completed" ? 0 : n), 0), 0);
  }

  /** Resolves once no job is waiting or being worked on (retries and failed ones aside), or after `timeoutMs`. */
  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const counts = await Promise.all(this.queues.map((q) => q.getJobCounts("waiting", "active", "prioritized")));
      if (counts.every((c) => Object.values(c).every((n) => n === 0))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Why jobs queued since `since` (ms) have not finished, for a report. */
  async failureReasons(since: number): Promise<string[]> {
    const jobs = (await Promise.all(this.queues.map((q) => q.getJobs(["failed", "delayed", "waiting", "active"], 0, 200)))).flat();
    return jobs.filter((j) => j.timestamp >= since).map((j) => `${j.queueName} job: ${j.failedReason || "not taken yet"} (attempts ${j.attemptsMade})`);
  }

  /** Resolves once every accepted products upload has been applied by a worker. */
  async uploadsApplied(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      // Large uploads are rows until applied; small ones are pending marks in Redis until a worker records them.
      const [row] = await this.query<{ n: string }>("SELECT count(*) AS n FROM product_uploads WHERE accepted_at IS NOT NULL AND applied_at IS NULL");
      if (row?.n === "0" && (await this.countKeys(`${this.prefix}:products:pending:*`)) === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await this.pool.query<T>(text, values)).rows;
  }

  private async countKeys(pattern: string): Promise<number> {
    let cursor = "0";
    let n = 0;
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      n += keys.length;
    } while (cursor !== "0");
    return n;
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
    this.redis.disconnect();
    await this.pool.end();
  }
}

/** What changed between two snapshots, as `table: before → after`. */
export function differences(before: Snapshot, after: Snapshot): string[] {
  return Object.keys(after)
    .filter((k) => before[k] !== after[k])
    .map((k) => `${k}: ${before[k]} → ${after[k]}`);
}
