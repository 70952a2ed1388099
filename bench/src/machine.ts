import { cpus, release, totalmem } from "node:os";
import { Redis } from "ioredis";
import pg from "pg";

/** What the figures were measured on: they mean little without it. */
export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  /** 1-minute load average before the run started: other work on the machine skews every figure. */
  loadAverageAtStart: number;
  postgres: Record<string, string>;
  redis: Record<string, string>;
}

export async function describeMachine(databaseUrl: string, redisUrl: string, loadAverageAtStart: number): Promise<Machine> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const postgres: Record<string, string> = {};
  try {
    for (const setting of ["server_version", "synchronous_commit", "fsync", "shared_buffers", "max_wal_size"]) {
      postgres[setting] = (await client.query<Record<string, string>>(`SHOW ${setting}`)).rows[0]?.[setting] ?? "?";
    }
  } finally {
    await client.end();
  }
  const redisClient = new Redis(redisUrl, { lazyConnect: true });
  const redis: Record<string, string> = {};
  try {
    await redisClient.connect();
    redis.version = /redis_version:(\S+)/.exec(await redisClient.info("server"))?.[1] ?? "?";
    for (const setting of ["appendonly", "appendfsync"]) {
      const [, value] = (await redisClient.config("GET", setting)) as [string, string];
      redis[setting] = value;
    }
  } finally {
    redisClient.disconnect();
  }
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "?",
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    kernel: release(),
    node: process.version,
    loadAverageAtStart,
    postgres,
    redis,
  };
}
