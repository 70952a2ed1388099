import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@tally/testing";
import { Redis } from "ioredis";

export interface PrivateRedis {
  url: string;
  port: number;
  /** SIGKILL: no shutdown save, no goodbye; what is in the append-only file is all that survives. */
  crash(): Promise<void>;
  /** Starts it again on the same directory (so the same AOF) and port; resolves once it answers PING. */
  start(): Promise<void>;
  /** Holds every write command for `ms` (CLIENT PAUSE … WRITE): Redis answers, but late. */
  pause(ms: number): Promise<void>;
  /** Kills it (if running) and removes its directory. Safe to call twice. */
  destroy(): Promise<void>;
}

/**
 * A throwaway Redis on a free port, as compose runs it: append-only file, fsync on every write, no RDB
 * snapshots. So a SIGKILL loses nothing Redis has acknowledged.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), "tally-chaos-redis-"));
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--logfile", join(dir, "redis.log")];
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();

  const kill = async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  const emergencyStop = () => {
    child?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", emergencyStop);

  let destroyed: Promise<void> | undefined;
  const server: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    crash: kill,
    async pause(ms) {
      const client = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 1 });
      try {
        await client.call("CLIENT", "PAUSE", String(ms), "WRITE");
      } finally {
        client.disconnect();
      }
    },
    async start() {
      const started = spawn("redis-server", args, { stdio: "ignore" });
      child = started;
      exited = new Promise((resolve) => started.once("exit", resolve));
      await waitForPong(port, started);
    },
    destroy() {
      destroyed ??= (async () => {
        process.removeListener("exit", emergencyStop);
        await kill();
        rmSync(dir, { recursive: true, force: true });
      })();
      return destroyed;
    },
  };
  try {
    await server.start();
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}

/** Polls until PING answers PONG (a Redis still loading its AOF answers -LOADING), for up to 20 s. */
async function waitForPong(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode} (is the port ${port} taken?)`);
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within 20 s`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let reply = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => {
      reply += d.toString();
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}
