import { loadConfigOrExit, redactUrl } from "../config.js";
import { createLogger } from "../logger.js";
import { createDb } from "./create-db.js";
import { ensureDatabase, migrateToLatest } from "./migrate.js";

const config = loadConfigOrExit(process.env);
const logger = createLogger("migrate", config.LOG_LEVEL);
const target = redactUrl(config.DATABASE_URL);

try {
  if (await ensureDatabase(config.DATABASE_URL)) logger.info({ database: target }, "created database");
  const db = createDb(config.DATABASE_URL, { max: 1 });
  try {
    const { results = [] } = await migrateToLatest(db);
    for (const r of results) logger.info({ migration: r.migrationName, status: r.status }, "migration");
    logger.info({ database: target, applied: results.length }, "database is up to date");
  } finally {
    await db.destroy();
  }
} catch (error) {
  logger.fatal({ err: error, database: target }, "migration failed");
  process.exitCode = 1;
}
