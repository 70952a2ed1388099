import { eventually, freePort } from "@tally/testing";
import type { BodyShape } from "./bodies.js";
import { spawnTs } from "./children.js";
import type { Driver } from "./driver.js";
import type { Latency } from "./stats.js";

export interface CeilingResult {
  name: "express" | "node";
  connections: number;
  requestsPerSecond: number;
  latency: Latency;
  /** Answers other than 202, errors and timeouts: any makes the ceiling's figure suspect. */
  trouble: number;
}

/**
 * Single-message load, as Tally's phase sends it, against each ceiling server (ceiling-server.ts) in a
 * process of its own, one after the other, so that neither competes with Tally or with the other.
 */
export async function measureCeilings(driver: Driver, shape: BodyShape, connections: number, seconds: number): Promise<CeilingResult[]> {
  const results: CeilingResult[] = [];
  for (const name of ["express", "node"] as const) {
    const port = await freePort();
    const child = spawnTs("./ceiling-server.ts", { CEILING: name, PORT: String(port) });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const url = `http://127.0.0.1:${port}`;
    try {
      await eventually(async () => ((await fetch(`${url}/healthz`).catch(() => undefined))?.ok ? true : undefined), 20_000, `the ${name} ceiling to listen`);
      // A second of warm-up (JIT), then the measured run.
      await driver.run("load", { url, connections, seconds: Math.min(1, seconds), post: shape }, 60_000);
      const { latency, ...load } = await driver.run("load", { url, connections, seconds, post: shape }, (seconds + 60) * 1000);
      results.push({ name, connections, requestsPerSecond: load.ok / load.seconds, latency, trouble: load.non2xx + load.errors + load.timeouts });
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
  }
  return results;
}
