import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";

/** CPU taken during a phase: by each named process, and by the whole machine (all processes, anyone's). */
export interface CpuUse {
  seconds: number;
  /** Cores each named process kept busy on average (1 = one core for the whole phase). */
  processes: Record<string, number>;
  /** Cores the machine kept busy on average, of `cores`. */
  machine: number;
  cores: number;
}

interface Sample {
  at: number;
  /** CPU seconds so far of each process of each name, by pid. */
  processes: Record<string, Map<number, number>>;
  /** Busy CPU seconds of the machine so far. */
  machine: number;
}

/** The processes a name covers: fixed pids, or found anew at each sample (processes that come and go). */
export type Watched = number[] | (() => Promise<number[]>);

const TICKS_PER_SECOND = 100;

/** A process's user + system CPU seconds (Linux /proc); undefined if it is gone. */
async function processSeconds(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (stat === undefined) return undefined;
  // Fields after the command name (which may hold spaces) start at field 3: utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / TICKS_PER_SECOND;
}

async function machineSeconds(): Promise<number> {
  const line = (await readFile("/proc/stat", "utf8")).split("\n")[0] ?? "";
  // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return ticks.reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + t), 0) / TICKS_PER_SECOND;
}

async function sample(watched: Record<string, Watched>): Promise<Sample> {
  const processes: Record<string, Map<number, number>> = {};
  for (const [name, which] of Object.entries(watched)) {
    const pids = typeof which === "function" ? await which() : which;
    const seconds = await Promise.all(pids.map(processSeconds));
    processes[name] = new Map(pids.flatMap((pid, i) => (seconds[i] === undefined ? [] : [[pid, seconds[i]] as const])));
  }
  return { at: performance.now(), processes, machine: await machineSeconds() };
}

/**
 * Starts watching processes (each name may cover several); the returned function says what they took
 * since. A process found only at the end started meanwhile and counts whole; one gone by the end
 * cannot be read and does not count.
 */
export async function watchCpu(watched: Record<string, Watched>): Promise<() => Promise<CpuUse>> {
  const first = await sample(watched);
  return async () => {
    const last = await sample(watched);
    const seconds = (last.at - first.at) / 1000;
    const processes: Record<string, number> = {};
    for (const name of Object.keys(watched)) {
      let taken = 0;
      for (const [pid, now] of last.processes[name] ?? []) taken += now - (first.processes[name]?.get(pid) ?? 0);
      processes[name] = taken / seconds;
    }
    return { seconds, processes, machine: (last.machine - first.machine) / seconds, cores: availableParallelism() };
  };
}

/** "ingest 0.92, worker 0.31 … of 2 cores, machine 1.87": one line for the log. */
export function formatCpu(use: CpuUse): string {
  const parts = Object.entries(use.processes).map(([name, cores]) => `${name} ${cores.toFixed(2)}`);
  return `${parts.join(", ")}; machine ${use.machine.toFixed(2)} of ${use.cores} cores`;
}
