import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../src/cli.js";
import type { Summary } from "../src/summary.js";
import { startSystem, type System } from "@tally/testing";

export type SummaryJson = ReturnType<Summary["toJSON"]>;

/** A scratch directory under the OS's temp dir for one test file's input files. */
export async function tempDir(): Promise<{ path: (name: string) => string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "tally-cli-"));
  return { path: (name) => join(dir, name), remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeNdjson(file: string, lines: readonly (unknown | string)[]): Promise<string> {
  await writeFile(file, lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n");
  return file;
}

export async function writeJsonArray(file: string, items: readonly unknown[]): Promise<string> {
  // One element a line, as a pretty-printed export would be: whitespace between elements must not matter.
  await writeFile(file, `[\n${items.map((i) => JSON.stringify(i)).join(",\n")}\n]\n`);
  return file;
}

/** Runs the CLI in this process, as `tally …` would, with --json; returns the exit code and the summary. */
export async function load(args: string[], env: Record<string, string> = {}): Promise<{ code: number; summary: SummaryJson; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run([...args, "--json", "--quiet"], { stdout: { write: (s) => out.push(s) }, stderr: { write: (s) => err.push(s) }, env });
  return { code, summary: JSON.parse(out.join("")) as SummaryJson, stderr: err.join("") };
}

const CLI_DIR = fileURLToPath(new URL("../", import.meta.url));

/** The CLI as its own process (from source, through tsx: a test must not depend on a stale dist/). */
export function spawnCli(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], { cwd: CLI_DIR, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

export const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

/** A live system with one worker, and a temporary folder for input files; `stop` removes both. */
export async function startSystemWithDir(): Promise<{ system: System; dir: Awaited<ReturnType<typeof tempDir>>; stop(): Promise<void> }> {
  const [system, dir] = await Promise.all([startSystem(), tempDir()]);
  await system.start("aggregator-worker");
  return { system, dir, stop: async () => void (await Promise.all([system.stop(), dir.remove()])) };
}
