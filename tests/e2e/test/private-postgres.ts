import { execFile } from "node:child_process";
import { chmod, chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "@tally/testing";

const run = promisify(execFile);
const BIN = "/usr/lib/postgresql/15/bin";

/** Runs a Postgres tool as the postgres OS user when we are root (initdb refuses root), else as ourselves. */
async function asPostgres(tool: string, args: string[]): Promise<string> {
  const command = userInfo().uid === 0 ? ["runuser", ["-u", "postgres", "--", `${BIN}/${tool}`, ...args]] : [`${BIN}/${tool}`, args];
  return (await run(command[0] as string, command[1] as string[], { maxBuffer: 16 * 1024 * 1024 })).stdout;
}

async function ownedTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  if (userInfo().uid === 0) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(dir, Number(stdout), Number(gid));
  }
  await chmod(dir, 0o700);
  return dir;
}

export interface PrivatePostgres {
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

async function start(dir: string, port: number, extra = ""): Promise<PrivatePostgres> {
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} ${extra}`;
  await asPostgres("pg_ctl", ["-D", `${dir}/data`, "-o", options, "-l", `${dir}/log`, "-w", "start"]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    async stop() {
      await asPostgres("pg_ctl", ["-D", `${dir}/data`, "-m", "immediate", "stop"]).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A primary of our own, on a free port, ready to stream WAL to standbys; trust auth on loopback. */
export async function startPrimary(): Promise<PrivatePostgres> {
  const dir = await ownedTempDir("tally-pg-primary-");
  // Postgres 15's defaults already stream WAL (wal_level=replica, 10 WAL senders, replication trusted on loopback).
  await asPostgres("initdb", ["-D", `${dir}/data`, "-U", "postgres", "--auth=trust"]);
  return start(dir, await freePort(), "-c fsync=off");
}

/** A streaming-replication standby of `primary`, made by pg_basebackup, read-only, on its own port. */
export async function startStandby(primary: PrivatePostgres): Promise<PrivatePostgres> {
  const dir = await ownedTempDir("tally-pg-standby-");
  await asPostgres("pg_basebackup", ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", `${dir}/data`, "-R", "-X", "stream"]);
  return start(dir, await freePort());
}
