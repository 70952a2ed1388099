import type { Server } from "node:http";
import type { Logger } from "pino";

export type ShutdownStep = readonly [name: string, run: () => Promise<unknown> | unknown];

export interface ShutdownOptions {
  /** Past this, the process exits with 1 whatever is still running: an orchestrator would kill it anyway. */
  timeoutMs: number;
}

/**
 * Runs the steps in order on SIGTERM or SIGINT, each even if the one before failed, then exits
 * (0 if every step succeeded, 1 if one failed or they took longer than `timeoutMs` together).
 * Calling the returned function again returns the same promise.
 */
export function onShutdown(logger: Logger, steps: readonly ShutdownStep[], { timeoutMs }: ShutdownOptions): () => Promise<void> {
  let running: Promise<void> | undefined;
  const shutdown = () => {
    running ??= (async () => {
      const deadline = setTimeout(() => {
        logger.error({ timeoutMs }, "shutdown took too long; exiting with what is still in flight");
        process.exit(1);
      }, timeoutMs);
      deadline.unref();
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
      clearTimeout(deadline);
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

/**
 * Listens on `port` and resolves once listening. If the port cannot be had (in use, not allowed) the
 * process logs why, naming the port, and exits with 1: a process that serves nothing must not look alive.
 */
export function listenOrExit(server: Server, port: number, logger: Logger, what: string): Promise<void> {
  return new Promise((resolve) => {
    const failed = (error: NodeJS.ErrnoException) => {
      logger.fatal({ err: error, port }, `${what} could not listen on port ${port}: ${error.code ?? error.message}`);
      process.exit(1);
    };
    server.once("error", failed);
    server.listen(port, () => {
      server.off("error", failed);
      resolve();
    });
  });
}

/** Stops accepting connections and waits for in-flight requests; idle keep-alive sockets close now. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}
