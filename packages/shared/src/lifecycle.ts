import type { Server } from "node:http";
import type { Logger } from "pino";

export type ShutdownStep = readonly [name: string, run: () => Promise<unknown> | unknown];

/**
 * Runs the steps in order on SIGTERM or SIGINT, each even if the one before failed, then exits
 * (0 if every step succeeded). Calling the returned function again returns the same promise.
 */
export function onShutdown(logger: Logger, steps: readonly ShutdownStep[]): () => Promise<void> {
  let running: Promise<void> | undefined;
  const shutdown = () => {
    running ??= (async () => {
      let failed = false;
      for (const [name, run] of steps) {
        try {
          await run();
          logger.debug({ step: name }, "shutdown step done");
        } catch (error) {
          failed = true;
          logger.error({ err: error, step: name }, "shutdown step failed");
        }
      }
      logger.info({ failed }, "stopped");
      process.exitCode = failed ? 1 : 0;
    })();
    return running;
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      logger.info({ signal }, "shutting down");
      void shutdown();
    });
  }
  return shutdown;
}

/** Stops accepting connections and waits for in-flight requests; idle keep-alive sockets close now. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}
