import { readFile, writeFile } from "node:fs/promises";
import type { ProductsResult } from "./drive-products.js";
import type { CpuProbes } from "./cpu-probe.js";
import { watchCpu, type CpuUse } from "./cpu-usage.js";
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
  /** The CPU each watched process took while the body streamed, and the machine's (Postgres's backend, autovacuum, anyone's). */
  cpu: CpuUse;
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

export async function measureProducts(driver: Driver, ingestUrl: string, ingestPid: number, bytes: number, watch: Record<string, number[]> = {}): Promise<ProductsMeasure> {
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
  return {
    ...result,
    megabytesPerSecond: result.bytes / 1e6 / result.seconds,
    rssBeforeMiB: (rssBefore * 1024) / MiB,
    peakRssMiB: (peak * 1024) / MiB,
    peakIsSinceStart,
    cpu,
  };
}
