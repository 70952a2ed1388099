import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { eventually } from "@tally/testing";

const run = promisify(execFile);

/** A port free now whose cluster bus port (+10000) is free too. */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Three masters on private ports, from the machine's redis-server, joined with redis-cli --cluster create. */
export async function startRedisCluster(): Promise<{ url: string; ports: number[]; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "tally-redis-cluster-"));
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) ports.push(await freeClusterPort());
  const nodes: ChildProcess[] = ports.map((port) =>
    spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`, "--dir", dir, "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    ),
  );
  const stop = async () => {
    for (const node of nodes) node.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      await eventually(async () => ((await run("redis-cli", ["-p", String(port), "ping"])).stdout.trim() === "PONG" ? true : undefined), 10_000, `redis on ${port}`);
    }
    await run("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "0", "--cluster-yes"]);
    for (const port of ports) {
      await eventually(
        async () => ((await run("redis-cli", ["-p", String(port), "cluster", "info"])).stdout.includes("cluster_state:ok") ? true : undefined),
        15_000,
        `cluster state ok on ${port}`,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `redis://127.0.0.1:${ports[0]}`, ports, stop };
}
