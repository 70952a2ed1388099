import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

/**
 * The process logger: JSON lines on stdout (or `destination`), one `service` field naming the process.
 * Credentials in request headers are never written.
 */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ["req.headers.authorization", "req.headers.cookie", "req.headers[\"x-api-key\"]"], censor: "[redacted]" },
    },
    destination,
  );
}
