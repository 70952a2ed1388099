import type { BodyShape } from "./bodies.js";
import type { CpuUse } from "./cpu-usage.js";
import type { Driver } from "./driver.js";
import { measureCeilingServer, type CeilingResult, type CpuWatch } from "./measure-ceilings.js";
import { measurePhase, type PhaseResult, type Target } from "./measure-ingest.js";

/** Small products uploads: Tally against what the seed's service does, same load, same run. */
export interface SmallProductsResult {
  /** The seed-like reference: SHA-256 + one Redis SET NX PX + 200 (ceiling-server.ts `seed`), storing nothing. */
  reference: Omit<CeilingResult, "name">;
  tally: PhaseResult;
  /** What Tally's processes (and the machine) took during its measured load, when watched. */
  tallyCpu?: CpuUse;
}

/**
 * Bodies of `shape.batch` small products, each body unique, over `connections`: first the seed-like
 * reference (its own process, its keys under Tally's queue prefix, cleared with it), then Tally, whose
 * products are counted as they become visible in Postgres (end to end).
 */
export async function measureSmallProducts(
  driver: Driver,
  tally: Target,
  { redisUrl, prefix }: { redisUrl: string; prefix: string },
  shape: BodyShape,
  connections: number,
  seconds: number,
  drainMs: number,
  /** Watches CPU during each measured load (`pnpm bench --only=small-products`): the reference's with its pid. */
  watch?: { reference: CpuWatch; tally: () => Promise<() => Promise<CpuUse>> },
): Promise<SmallProductsResult> {
  const reference = await measureCeilingServer(driver, { CEILING: "seed", REDIS_URL: redisUrl, PREFIX: prefix }, shape, connections, seconds, watch?.reference);
  // The same warm-up the reference had, on bodies of their own (ids of another prefix).
  await measurePhase(driver, tally, { ...shape, base: shape.base + 1 }, connections, Math.min(1, seconds), drainMs);
  const stopWatching = await watch?.tally();
  // The acknowledged load only: the drain that follows (end to end) is the worker's alone.
  let tallyCpu: CpuUse | undefined;
  const result = await measurePhase(driver, tally, shape, connections, seconds, drainMs, async () => void (tallyCpu = await stopWatching?.()));
  return { reference, tally: result, ...(tallyCpu && { tallyCpu }) };
}
