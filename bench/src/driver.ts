import type { ChildProcess } from "node:child_process";
import { spawnTs } from "./children.js";
import type { FreshnessInput, FreshnessResult } from "./drive-freshness.js";
import type { LoadInput, LoadResult } from "./drive-load.js";
import type { ProductsInput, ProductsResult } from "./drive-products.js";

/** What the driver process can be asked to do, with its input and result types. */
export interface DriverTasks {
  load: [LoadInput, LoadResult];
  freshness: [FreshnessInput, FreshnessResult];
  products: [ProductsInput, ProductsResult];
}

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

/**
 * The load driver process (driver-process.ts), started on first use and kept: tasks run one at a
 * time. A task that overruns its deadline kills the process; the next task starts a new one.
 */
export function createDriver() {
  let child: ChildProcess | undefined;
  let nextId = 0;
  const ensure = () => {
    if (child && child.exitCode === null && child.signalCode === null) return child;
    child = spawnTs("./driver-process.ts");
    return child;
  };
  return {
    run<T extends keyof DriverTasks>(task: T, input: DriverTasks[T][0], timeoutMs: number): Promise<DriverTasks[T][1]> {
      const proc = ensure();
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          proc.off("message", onMessage);
          proc.off("exit", onExit);
        };
        const onMessage = (reply: Reply) => {
          if (reply.id !== id) return;
          done();
          if (reply.error !== undefined) reject(new Error(`driver ${task}: ${reply.error}`));
          else resolve(reply.result as DriverTasks[T][1]);
        };
        const onExit = (code: number | null, signal: string | null) => {
          done();
          reject(new Error(`the driver process exited (${code ?? signal}) during ${task}`));
        };
        const timer = setTimeout(() => {
          done();
          proc.kill("SIGKILL");
          reject(new Error(`driver ${task} did not finish within ${timeoutMs} ms`));
        }, timeoutMs);
        proc.on("message", onMessage);
        proc.once("exit", onExit);
        proc.send({ id, task, input });
      });
    },
    /** The driver process's pid, starting it if need be: its CPU is part of what a phase costs the machine. */
    pid(): number | undefined {
      return ensure().pid;
    },
    stop(): void {
      child?.kill("SIGKILL");
    },
  };
}

export type Driver = ReturnType<typeof createDriver>;
