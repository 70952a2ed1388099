import { spawn } from "node:child_process";

/** What a stopped probe saw: every request's latency (ms), sorted, and percentiles of them. */
export interface ProbeResult {
  latencies: number[];
  p50: number;
  p99: number;
  max: number;
}

// Runs in a process of its own, so that the test's own work (building and sending big bodies) never
// shows as the server's latency.
const PROBE = `
const latencies = [];
let running = true;
process.stdin.on("data", () => (running = false));
(async () => {
  while (running) {
    const started = performance.now();
    try { await (await fetch(process.argv[1])).text(); } catch { latencies.push(Infinity); continue; }
    latencies.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, Number(process.argv[2])));
  }
  process.stdout.write(JSON.stringify(latencies));
})();
`;

/**
 * Asks `url` again and again, `everyMs` apart, from another process, until stopped: how long a
 * server took to answer something trivial while the test loaded it.
 */
export function startLatencyProbe(url: string, everyMs = 10): { stop(): Promise<ProbeResult> } {
  const child = spawn(process.execPath, ["-e", PROBE, url, String(everyMs)], { stdio: ["pipe", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    async stop() {
      child.stdin.end("stop\n");
      await exited;
      const latencies = (JSON.parse(output || "[]") as (number | null)[]).map((l) => l ?? Infinity).sort((a, b) => a - b);
      const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? Infinity;
      return { latencies, p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? Infinity };
    },
  };
}
