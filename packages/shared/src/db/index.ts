export { createDb, type DbOptions } from "./create-db.js";
export { ensureDatabase, migrateTo, migrateToLatest } from "./migrate.js";
export { isCancelledStatement, isRetryableDbError } from "./errors.js";
export { ensureReadOnlyRole, readOnlyRoleOf, type ReadOnlyRole } from "./read-only-role.js";
export type * from "./types.js";
