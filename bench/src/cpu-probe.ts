import { createHash } from "node:crypto";

const PROBE_BYTES = 256 * 1024 * 1024;
let probeInput: Buffer | undefined;

/**
 * How fast this machine's CPU is right now: SHA-256 over 256 MiB on the bench's own thread, in MB/s
 * (10^6 bytes). A fixed piece of work, so two probes in one run say whether the machine itself slowed
 * down between them (a shared VM's host can), which a phase's own figure cannot tell apart from Tally.
 */
export function probeCpu(): number {
  probeInput ??= Buffer.alloc(PROBE_BYTES, 0x61);
  // A first pass, untimed: memory left untouched for minutes can be slow to touch again (on one VM
  // here, 918 MB/s over the buffer after four idle minutes, 1,642 on the pass after), and the probe is
  // of the CPU, not of that.
  createHash("sha256").update(probeInput).digest();
  const started = performance.now();
  createHash("sha256").update(probeInput).digest();
  return PROBE_BYTES / 1e6 / ((performance.now() - started) / 1000);
}

/** The probe as a run starts (the full run only) and just before a phase, MB/s. */
export interface CpuProbes {
  atStart?: number;
  beforePhase: number;
}
