import { readFile, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { Database } from "@tally/shared/db";
import type { Kysely } from "kysely";
import type { ProductsResult } from "./drive-products.js";
import type { CpuProbes } from "./cpu-probe.js";
import { watchCpu, type CpuUse, type Watched } from "./cpu-usage.js";
import type { Driver } from "./driver.js";

/**
 * One large products body through ingest: MB/s (10^6 bytes, from the first byte sent to the 202) and
 * the ingest process's peak resident memory meanwhile. The peak is the kernel's VmHWM; it is reset
 * first (writing 5 to /proc/<pid>/clear_refs, Linux ≥ 4.0) so the earlier phases' peaks do not count.
 * Where the reset is refused, VmHWM is since the process started, and `peakIsSinceStart` says so.
 */
export interface ProductsMeasure extends ProductsResult {
  megabytesPerSecond: number;
  rssBeforeMiB: number;
  peakRssMiB: number;
  peakIsSinceStart: boolean;
  /** The CPU each watched process took while the body streamed, and the machine's (anyone's). */
  cpu: CpuUse;
  /** Seconds from the first byte sent until a worker had applied the body (every product visible). */
  appliedSeconds: number;
  /** The machine's speed just before the phase and as the run started (`probeCpu`), set by the caller. */
  cpuProbe?: CpuProbes;
}

const MiB = 1024 * 1024;

async function statusKiB(pid: number, field: "VmRSS" | "VmHWM"): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  if (!match?.[1]) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

export interface ProductsTarget {
  ingestUrl: string;
  ingestPid: number;
  db: Kysely<Database>;
}

/**
 * Streams the body, then waits until a worker has applied it: the next phase starts on a quiet system,
 * not under the apply of 2M products, and the time to visible is a figure of its own.
 */
export async function measureProducts(driver: Driver, { ingestUrl, ingestPid, db }: ProductsTarget, bytes: number, watch: Record<string, Watched> = {}): Promise<ProductsMeasure> {
  const rssBefore = await statusKiB(ingestPid, "VmRSS");
  const peakIsSinceStart = await writeFile(`/proc/${ingestPid}/clear_refs`, "5").then(
    () => false,
    () => true,
  );
  const watched = await watchCpu({ ingest: [ingestPid], ...watch });
  const result = await driver.run("products", { url: `${ingestUrl}/v1/products`, bytes }, 20 * 60_000);
  const cpu = await watched();
  if (result.status !== 202) throw new Error(`products body answered ${result.status}: ${result.answer}`);
  const peak = await statusKiB(ingestPid, "VmHWM");
  const answered = performance.now();
  await waitUntilApplied(db, 30 * 60_000);
  return {
    ...result,
    megabytesPerSecond: result.bytes / 1e6 / result.seconds,
    rssBeforeMiB: (rssBefore * 1024) / MiB,
    peakRssMiB: (peak * 1024) / MiB,
    peakIsSinceStart,
    cpu,
    appliedSeconds: result.seconds + (performance.now() - answered) / 1000,
  };
}

/** Polls until no accepted upload is left to apply; throws if one failed or the wait runs out. */
async function waitUntilApplied(db: Kysely<Database>, maxMs: number): Promise<void> {
  const deadline = performance.now() + maxMs;
  for (;;) {
    const uploads = await db
      .selectFrom("product_uploads")
      .select((eb) => [eb.fn.countAll<string>().filterWhere("failed_at", "is not", null).as("failed"), eb.fn.countAll<string>().filterWhere("applied_at", "is", null).filterWhere("failed_at", "is", null).as("pending")])
      .where("accepted_seq", "is not", null)
      .executeTakeFirstOrThrow();
    if (Number(uploads.failed) > 0) throw new Error(`${uploads.failed} products upload(s) failed to apply`);
    if (Number(uploads.pending) === 0) return;
    if (performance.now() > deadline) throw new Error(`the products body was not applied within ${maxMs / 1000} s`);
    await sleep(250);
  }
}
