import { loadConfig, type Config } from "@tally/shared/config";

/** The servers tests run against: the machine's Postgres and Redis unless the environment says otherwise. */
export const SERVER_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Configuration as the apps would load it, pointed at a test's own database and queue prefix. */
export function testConfig(overrides: Record<string, string>): Config {
  return loadConfig({ LOG_LEVEL: "silent", REDIS_URL, ...overrides });
}
