import type { AppProcess } from "@tally/testing";

/**
 * Stops keeping every log line of the apps (tens of thousands of request logs would pile up in this process)
 * and keeps only their errors, counted by message: what a 5xx looked like from the inside.
 */
export function keepAppErrors(apps: readonly AppProcess[]): () => string[] {
  const counts = new Map<string, number>();
  for (const app of apps) {
    for (const stream of [app.child.stdout, app.child.stderr]) {
      let partial = "";
      stream?.removeAllListeners("data");
      stream?.on("data", (chunk: Buffer) => {
        const lines = (partial + chunk.toString("utf8")).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) {
          const m = /"err":\{"type":"([^"]*)","message":"((?:[^"\\]|\\.)*)"/.exec(line);
          if (!line.includes('"msg":"unhandled error"') || !m) continue;
          const service = /"service":"([^"]+)"/.exec(line)?.[1] ?? "?";
          const route = /"url":"([^"?]*)/.exec(line)?.[1]?.replace(/^\/v1\/products\/.*/, "/v1/products/:id") ?? "?";
          const key = `${service} ${route}: ${m[1]}: ${m[2]}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      });
    }
  }
  return () => [...counts.entries()].map(([key, n]) => `${n}× ${key}`);
}
