import { createTestDatabase, createTestRedis, eventually, freePort, startApp, type AppName, type AppProcess } from "@tally/testing";

/**
 * Tally's three built apps as processes on a private database and queue prefix, like @tally/testing's
 * startSystem — which cannot be used here: it knows a process is up by its "listening" info line,
 * and the bench runs the apps at LOG_LEVEL=warn (at info, every request writes a line, which
 * would be part of what is measured). So the APIs are ready when /readyz says so, and the worker when
 * a probe message has gone through it into Postgres (see main.ts).
 */
export async function startBenchSystem(extraEnv: Record<string, string>) {
  const database = await createTestDatabase();
  const redis = createTestRedis();
  const apps: AppProcess[] = [];
  try {
    const [ingestPort, queryPort] = [await freePort(), await freePort()];
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: redis.prefix,
      INGEST_PORT: String(ingestPort),
      QUERY_PORT: String(queryPort),
      // The dataset has fixed past dates: the worker's pruning must not delete it mid-run.
      COUNTER_MINUTE_RETENTION_DAYS: "36500",
      COUNTER_HOUR_RETENTION_DAYS: "36500",
      ...extraEnv,
    };
    const ingestUrl = `http://127.0.0.1:${ingestPort}`;
    const queryUrl = `http://127.0.0.1:${queryPort}`;
    const start = (name: AppName) => {
      const app = startApp(name, env);
      apps.push(app);
      return app;
    };
    const ready = (name: AppName, url: string) => untilReady(name, start(name), url);
    const worker = start("aggregator-worker");
    const [ingest] = await Promise.all([ready("ingest-api", ingestUrl), ready("query-api", queryUrl)]);
    return {
      env,
      database,
      ingestUrl,
      queryUrl,
      ingest,
      worker,
      apps,
      async stop() {
        await Promise.allSettled(apps.map((a) => a.stop("SIGKILL")));
        await Promise.allSettled([redis.clear(), database.drop()]);
      },
    };
  } catch (error) {
    await Promise.allSettled(apps.map((a) => a.stop("SIGKILL")));
    await Promise.allSettled([redis.clear(), database.drop()]);
    throw error;
  }
}

/** Resolves with `app` once its /readyz answers 200; throws if it exits first or takes over 20 s. */
export async function untilReady(name: AppName, app: AppProcess, url: string): Promise<AppProcess> {
  await eventually(
    async () => {
      if (app.child.exitCode !== null) throw new Error(`${name} exited: ${app.output()}`);
      return (await fetch(`${url}/readyz`)).ok ? true : undefined;
    },
    20_000,
    `${name} to be ready`,
  );
  return app;
}
