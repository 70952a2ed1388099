import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { REDIS_URL } from "./test-servers.js";

/** A queue prefix of its own for one test file; `clear` removes every key under it. */
export function createTestRedis(url = REDIS_URL): { url: string; prefix: string; clear(): Promise<void> } {
  const prefix = `test-${randomUUID()}`;
  return {
    url,
    prefix,
    async clear() {
      const redis = new Redis(url);
      try {
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
          cursor = next;
          if (keys.length > 0) await redis.unlink(...keys);
        } while (cursor !== "0");
      } finally {
        redis.disconnect();
      }
    },
  };
}
