import { loadConfigOrExit, redactUrl } from "../config.js";
import { createLogger } from "../logger.js";
import { createDb } from "./create-db.js";
import { ensureDatabase, migrateToLatest } from "./migrate.js";
import { ensureReadOnlyRole, readOnlyRoleOf } from "./read-only-role.js";

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
    // A QUERY_DATABASE_URL with a user of its own (compose's tally_reader) names the read-only role.
    const reader = readOnlyRoleOf(config.DATABASE_URL, config.QUERY_DATABASE_URL);
    if (reader) logger.info({ role: reader.name, outcome: await ensureReadOnlyRole(db, reader) }, "read-only role for the query API");
  } finally {
    await db.destroy();
  }
} catch (error) {
  logger.fatal({ err: error, database: target }, "migration failed");
  process.exitCode = 1;
}
