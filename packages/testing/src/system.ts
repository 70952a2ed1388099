import { eventually } from "./eventually.js";
import { createTestDatabase } from "./test-database.js";
import { createTestRedis } from "./test-redis.js";
import { freePort, startApp, waitForLog, type AppName, type AppProcess } from "./processes.js";

export interface SystemOptions {
  /** Environment for every process, over the defaults. */
  env?: Record<string, string>;
  /** A Postgres server (any database on it) and a Redis, instead of the machine's shared ones. */
  databaseServerUrl?: string;
  redisUrl?: string;
  /** Another server the query API reads the same database from (a replica). */
  queryDatabaseServerUrl?: string;
}

/** A whole Tally, as processes, on a database and queue prefix of its own. */
export async function startSystem({ env: extraEnv = {}, databaseServerUrl, redisUrl, queryDatabaseServerUrl }: SystemOptions = {}) {
  const database = await createTestDatabase(databaseServerUrl);
  const redis = createTestRedis(redisUrl);
  const [ingestPort, queryPort] = [await freePort(), await freePort()];
  const env = {
    DATABASE_URL: database.url,
    ...(queryDatabaseServerUrl ? { QUERY_DATABASE_URL: Object.assign(new URL(queryDatabaseServerUrl), { pathname: new URL(database.url).pathname }).toString() } : {}),
    REDIS_URL: redis.url,
    QUEUE_PREFIX: redis.prefix,
    INGEST_PORT: String(ingestPort),
    QUERY_PORT: String(queryPort),
    // Several workers run side by side: each serves its metrics on a port of its own.
    WORKER_PORT: "0",
    // Fixtures have fixed dates; a run weeks from now must not prune them mid-test.
    COUNTER_MINUTE_RETENTION_DAYS: "36500",
    COUNTER_HOUR_RETENTION_DAYS: "36500",
    ...extraEnv,
  };
  const apps: AppProcess[] = [];
  const ready: Record<AppName, string> = {
    "ingest-api": "ingest API listening",
    "query-api": "query API listening",
    "aggregator-worker": "aggregator worker started",
  };
  const start = async (name: AppName) => {
    const app = startApp(name, env);
    apps.push(app);
    await waitForLog(app, ready[name]);
    // Listening is not ready: ingest answers 503 until its Redis connection is up.
    const port = { "ingest-api": ingestPort, "query-api": queryPort }[name as string];
    if (port !== undefined) {
      await eventually(async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined), 15_000, `${name} to be ready`);
    }
    return app;
  };
  await Promise.all([start("ingest-api"), start("query-api")]);
  const ingestUrl = `http://127.0.0.1:${ingestPort}`;
  const queryUrl = `http://127.0.0.1:${queryPort}`;

  return {
    env,
    database,
    redis,
    ingestUrl,
    queryUrl,
    /** The processes started so far, in order (ingest first). */
    apps,
    /** Starts one more process (workers: as many as you like). */
    start,
    post: (path: string, body: unknown) =>
      fetch(`${ingestUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    get: (path: string) => fetch(`${queryUrl}${path}`),
    getJson: async <T>(path: string): Promise<T> => {
      const res = await fetch(`${queryUrl}${path}`);
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async stop() {
      await Promise.all(apps.map((a) => a.stop("SIGKILL")));
      // Best effort: a private Redis (a cluster, say) may already be gone or not scannable from one node.
      await redis.clear().catch(() => {});
      await database.drop();
    },
  };
}

export type System = Awaited<ReturnType<typeof startSystem>>;
