const RETRYABLE = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "57P01", // admin_shutdown: the server is restarting
  "57P03", // cannot_connect_now
  "08000", "08003", "08006", "08001", "08004", // connection exceptions
]);

/** True for errors that a later attempt of the same transaction can succeed past. */
export function isRetryableDbError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && (RETRYABLE.has(code) || code.startsWith("08"))) return true;
  return code === "ECONNREFUSED" || code === "ECONNRESET" || code === "EPIPE";
}
