import { pino, type Logger } from "pino";

export type { Logger };

/** The process logger: JSON lines on stdout, one `service` field naming the process. */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ["req.headers.authorization", "req.headers.cookie"], censor: "[redacted]" },
  });
}
