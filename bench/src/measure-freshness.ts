import type { FreshnessResult } from "./drive-freshness.js";
import type { Driver } from "./driver.js";

/** Customers of the freshness phase: one per message, above every other phase's range. */
const FRESHNESS_CUSTOMERS = 10_000_000_000;

export interface FreshnessMeasure extends FreshnessResult {
  /** The single-message ingest rate measured earlier, of which `fraction` is sent here. */
  maxRate: number;
  fraction: number;
}

/** Freshness at `fraction` of the measured maximum rate (drive-freshness.ts says how). */
export async function measureFreshness(driver: Driver, ingestUrl: string, queryUrl: string, maxRate: number, fraction: number, seconds: number): Promise<FreshnessMeasure> {
  const rate = Math.max(1, Math.floor(maxRate * fraction));
  const result = await driver.run(
    "freshness",
    { ingestUrl, queryUrl, rate, seconds, customerBase: FRESHNESS_CUSTOMERS },
    (seconds + 120) * 1000,
  );
  return { ...result, maxRate, fraction };
}
