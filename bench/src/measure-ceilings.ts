import { eventually, freePort } from "@tally/testing";
import type { BodyShape } from "./bodies.js";
import { spawnTs } from "./children.js";
import type { CpuUse } from "./cpu-usage.js";
import type { Driver } from "./driver.js";
import type { Latency } from "./stats.js";

export interface CeilingResult {
  name: "express" | "node";
  connections: number;
  requestsPerSecond: number;
  latency: Latency;
  /** Answers other than 202, errors and timeouts: any makes the ceiling's figure suspect. */
  trouble: number;
  /** What the server (and the rest of the machine) took during the measured load, when watched. */
  cpu?: CpuUse;
}

/** Starts watching CPU with the server's own pid added; the returned function ends the watch. */
export type CpuWatch = (serverPid: number) => Promise<() => Promise<CpuUse>>;

/**
 * Single-message load, as Tally's phase sends it, against each ceiling server (ceiling-server.ts) in a
 * process of its own, one after the other, so that neither competes with Tally or with the other.
 */
export async function measureCeilings(driver: Driver, shape: BodyShape, connections: number, seconds: number): Promise<CeilingResult[]> {
  const results: CeilingResult[] = [];
  for (const name of ["express", "node"] as const) results.push({ name, ...(await measureCeilingServer(driver, { CEILING: name }, shape, connections, seconds)) });
  return results;
}

/**
 * One ceiling server (ceiling-server.ts, its kind and settings in `env`) in a process of its own,
 * driven with `shape` after a second of warm-up (JIT), then stopped.
 */
export async function measureCeilingServer(
  driver: Driver,
  env: Record<string, string>,
  shape: BodyShape,
  connections: number,
  seconds: number,
  watch?: CpuWatch,
): Promise<Omit<CeilingResult, "name">> {
  const port = await freePort();
  const child = spawnTs("./ceiling-server.ts", { ...env, PORT: String(port) });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const url = `http://127.0.0.1:${port}`;
  try {
    await eventually(async () => ((await fetch(`${url}/healthz`).catch(() => undefined))?.ok ? true : undefined), 20_000, `the ${env.CEILING} ceiling to listen`);
    await driver.run("load", { url, connections, seconds: Math.min(1, seconds), post: shape }, 60_000);
    const stopWatching = watch && child.pid !== undefined ? await watch(child.pid) : undefined;
    const { latency, ...load } = await driver.run("load", { url, connections, seconds, post: shape }, (seconds + 60) * 1000);
    const cpu = await stopWatching?.();
    return { connections, requestsPerSecond: load.ok / load.seconds, latency, trouble: load.non2xx + load.errors + load.timeouts, ...(cpu && { cpu }) };
  } finally {
    child.kill("SIGKILL");
    await exited;
  }
}
