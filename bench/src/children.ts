import { spawn, type ChildProcess } from "node:child_process";

/**
 * The bench's own processes: the load driver and the reference server. The load comes from a
 * process other than the ones under test, as SPEC §9 asks. Each runs a TypeScript file through
 * tsx's loader (~1 s to start, so the driver is started once and handed one task after another).
 */
const TSX = import.meta.resolve("tsx");
const running = new Set<ChildProcess>();

export function spawnTs(file: string, env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ["--import", TSX, new URL(file, import.meta.url).pathname], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

/** Kills every bench child still running (each by its own handle, nothing else). */
export function killChildren(): void {
  for (const child of running) child.kill("SIGKILL");
}
