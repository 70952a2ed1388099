import { execFile, spawnSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "@tally/testing";

const run = promisify(execFile);
const BIN = process.env.TEST_PG_BIN ?? "/usr/lib/postgresql/15/bin";
/** initdb refuses to run as root: as root (CI) the server runs as the `postgres` OS user. */
const AS_ROOT = process.getuid?.() === 0;

export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`: a server of our own, trust auth. */
  url: string;
  port: number;
  /** Stops it the hard way (`pg_ctl stop -m immediate`: no checkpoint, crash recovery on start). */
  crash(): Promise<void>;
  /** Starts it again on the same data directory and port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it (if running) and removes its directory. Safe to call twice, and after a failure. */
  destroy(): Promise<void>;
}

/**
 * A throwaway Postgres from the machine's binaries, on a free port and a temp directory, so the chaos
 * test can kill it without touching the shared server on 5432. fsync stays on: a crash is a crash.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), "tally-chaos-pg-"));
  const dataDir = join(dir, "data");
  const port = await freePort();
  if (AS_ROOT) chownSync(dir, ...postgresIds());
  const pgCtl = (...args: string[]) => asPostgres(`${BIN}/pg_ctl`, ["-D", dataDir, ...args]);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c max_connections=200`;

  // Registered before anything starts: if the test process dies without afterAll, no server outlives it.
  const emergencyStop = () => {
    spawnSync(AS_ROOT ? "runuser" : `${BIN}/pg_ctl`, [...(AS_ROOT ? ["-u", "postgres", "--", `${BIN}/pg_ctl`] : []), "-D", dataDir, "-m", "immediate", "stop"], { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", emergencyStop);

  let destroyed: Promise<void> | undefined;
  const server: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async crash() {
      await pgCtl("-m", "immediate", "-w", "stop");
    },
    async start() {
      await pgCtl("-l", join(dir, "postgres.log"), "-o", options, "-w", "-t", "60", "start");
    },
    destroy() {
      destroyed ??= (async () => {
        process.removeListener("exit", emergencyStop);
        await pgCtl("-m", "immediate", "-w", "stop").catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      })();
      return destroyed;
    },
  };
  try {
    // --no-sync only skips initdb's final flush of a cluster nobody has written to yet.
    await asPostgres(`${BIN}/initdb`, ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
    await server.start();
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}

async function asPostgres(command: string, args: string[]): Promise<void> {
  try {
    await run(AS_ROOT ? "runuser" : command, AS_ROOT ? ["-u", "postgres", "--", command, ...args] : args, { timeout: 90_000 });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${command} ${args.join(" ")} failed: ${String(error)}\n${stdout ?? ""}${stderr ?? ""}`, { cause: error });
  }
}

function postgresIds(): [number, number] {
  const id = (flag: string) => Number(spawnSync("id", [flag, "postgres"], { encoding: "utf8" }).stdout.trim());
  const [uid, gid] = [id("-u"), id("-g")];
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid === 0) throw new Error("running as root needs a `postgres` OS user to run initdb and pg_ctl as");
  return [uid, gid];
}
