const RETRYABLE = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "57P01", // admin_shutdown: the server is restarting
  "57P03", // cannot_connect_now
  "08000", "08003", "08006", "08001", "08004", // connection exceptions
]);

/** node-pg's own words when a connection is lost or cannot be had; these errors carry no code. */
const CONNECTION_LOST = /^(Connection terminated|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|timeout exceeded when trying to connect)/;

/** True for errors that a later attempt of the same transaction can succeed past. */
export function isRetryableDbError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && (RETRYABLE.has(code) || code.startsWith("08"))) return true;
  if (code === "ECONNREFUSED" || code === "ECONNRESET" || code === "EPIPE") return true;
  return error instanceof Error && CONNECTION_LOST.test(error.message);
}

/**
 * True when Postgres cancelled the statement (57014): it ran past `statement_timeout`, or an operator
 * cancelled it. Retrying the same statement is no use for the first; it is still not the client's fault.
 */
export function isCancelledStatement(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "57014";
}
