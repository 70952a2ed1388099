import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { eventually } from "./eventually.js";

/** The repository's root, from packages/testing/src or packages/testing/dist alike. */
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export type AppName = "ingest-api" | "aggregator-worker" | "query-api";

/** One of Tally's built apps running as its own process, exactly as `pnpm start` runs it. */
export interface AppProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startApp(name: AppName, env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, [`${ROOT}apps/${name}/dist/main.js`], {
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Waits until an app logs `message`, or fails showing what it printed. */
export async function waitForLog(app: AppProcess, message: string, timeoutMs = 15_000): Promise<void> {
  await eventually(async () => (app.output().includes(message) ? true : undefined), timeoutMs, `"${message}" in:\n${app.output()}`);
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
