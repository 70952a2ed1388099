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
  /** CPU seconds per named process so far. */
  processes: Record<string, number>;
  /** Busy CPU seconds of the machine so far. */
  machine: number;
}

const TICKS_PER_SECOND = 100;

/** A process's user + system CPU seconds (Linux /proc); 0 if it is gone. */
async function processSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
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

async function sample(pids: Record<string, number[]>): Promise<Sample> {
  const processes: Record<string, number> = {};
  for (const [name, list] of Object.entries(pids)) {
    processes[name] = (await Promise.all(list.map(processSeconds))).reduce((a, b) => a + b, 0);
  }
  return { at: performance.now(), processes, machine: await machineSeconds() };
}

/** Starts watching `pids` (each name may cover several processes); the returned function says what they took since. */
export async function watchCpu(pids: Record<string, number[]>): Promise<() => Promise<CpuUse>> {
  const first = await sample(pids);
  return async () => {
    const last = await sample(pids);
    const seconds = (last.at - first.at) / 1000;
    const processes: Record<string, number> = {};
    for (const name of Object.keys(pids)) processes[name] = ((last.processes[name] ?? 0) - (first.processes[name] ?? 0)) / seconds;
    return { seconds, processes, machine: (last.machine - first.machine) / seconds, cores: availableParallelism() };
  };
}

/** "ingest 0.92, worker 0.31 … of 2 cores, machine 1.87": one line for the log. */
export function formatCpu(use: CpuUse): string {
  const parts = Object.entries(use.processes).map(([name, cores]) => `${name} ${cores.toFixed(2)}`);
  return `${parts.join(", ")}; machine ${use.machine.toFixed(2)} of ${use.cores} cores`;
}
