import { execFile } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The structure rules `pnpm lint` enforces (.dependency-cruiser.cjs, knip.jsonc, eslint.config.js), each
 * shown catching a deliberate violation: the repository is copied, one violation of every rule is
 * planted in the copy, and the tools, run as `pnpm lint` runs them, must report exactly those and
 * nothing else — so the copy is otherwise clean, as main is.
 */

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../../..");
let copy: string;

/** Runs a tool of the repository in the copy; a tool that found something exits non-zero, which is expected here. */
async function tool(bin: string, args: string[]): Promise<string> {
  try {
    return (await run(join(ROOT, "node_modules/.bin", bin), args, { cwd: copy, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    if (!stdout) throw new Error(`${bin} failed without output: ${stderr ?? String(error)}`, { cause: error });
    return stdout;
  }
}

function plant(path: string, content: string): void {
  mkdirSync(dirname(join(copy, path)), { recursive: true });
  writeFileSync(join(copy, path), content);
}

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), "tally-structure-"));
  // The files git would commit (tracked, or new and not ignored), and every node_modules as a link, so
  // the tools resolve packages as in the repository itself.
  const { stdout } = await run("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  const files = stdout.split("\0").filter((f) => f && existsSync(join(ROOT, f)));
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(ROOT, file), join(copy, file));
  }
  const workspaces = new Set(files.filter((f) => f.endsWith("package.json")).map((f) => dirname(f)));
  for (const workspace of workspaces) {
    const modules = join(ROOT, workspace, "node_modules");
    if (existsSync(modules)) symlinkSync(modules, join(copy, workspace, "node_modules"));
  }

  // One violation of each rule.
  plant("apps/ingest-api/src/planted-app-import.ts", 'export { createApp } from "../../query-api/src/app.js";\n');
  plant("packages/shared/src/planted-app-import.ts", 'export { createApp } from "../../../apps/ingest-api/src/app.js";\n');
  plant("apps/query-api/src/planted-queue-import.ts", 'import "@tally/shared/redis";\n');
  appendFileSync(join(copy, "apps/query-api/src/main.ts"), 'import "./planted-queue-import.js";\n');
  plant("bench/src/planted-reach-in.ts", 'export { toMessageRows } from "../../apps/aggregator-worker/src/messages/fold-messages.js";\n');
  plant("packages/shared/src/planted-cycle-a.ts", 'import { b } from "./planted-cycle-b.js";\nexport const a = () => b;\n');
  plant("packages/shared/src/planted-cycle-b.ts", 'import { a } from "./planted-cycle-a.js";\nexport const b = () => a;\n');
  plant("apps/ingest-api/src/planted-rollup-sql.ts", 'import { sql } from "kysely";\nexport const peek = sql`SELECT count(*) FROM message_rollup`;\n');
  appendFileSync(join(copy, "apps/query-api/src/params.ts"), "\nexport const PLANTED_UNUSED_EXPORT = 1;\n");
  const queryApi = JSON.parse(readFileSync(join(copy, "apps/query-api/package.json"), "utf8")) as { dependencies: Record<string, string> };
  queryApi.dependencies["left-pad"] = "1.3.0";
  writeFileSync(join(copy, "apps/query-api/package.json"), JSON.stringify(queryApi, null, 2));
});

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe("pnpm lint's structure rules, each on a planted violation", () => {
  it("dependency-cruiser reports each layering rule's violation, and nothing else", async () => {
    const output = await tool("depcruise", ["--config", ".dependency-cruiser.cjs", "--output-type", "json", "apps", "packages", "bench", "tests"]);
    const { summary } = JSON.parse(output) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
    const found = summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to.replace(/^.*node_modules\//, "node_modules/")}`);
    expect(found.filter((v) => !v.startsWith("no-circular:")).sort()).toEqual([
      "app-on-another-app: apps/ingest-api/src/planted-app-import.ts → apps/query-api/src/app.ts",
      "package-on-an-app: packages/shared/src/planted-app-import.ts → apps/ingest-api/src/app.ts",
      // Reached through packages/shared, not imported directly: the rule follows the whole graph. main.ts
      // imports the planted file too, but main.ts may reach ioredis (it opens the pending-upload lookup's connection).
      "query-api-loads-queue-code: apps/query-api/src/planted-queue-import.ts → node_modules/ioredis/built/index.js",
      "reaching-into-a-workspace: bench/src/planted-reach-in.ts → apps/aggregator-worker/src/messages/fold-messages.ts",
    ]);
    // The cycle, from one side of it or both.
    const cycles = found.filter((v) => v.startsWith("no-circular:"));
    expect(cycles.length).toBeGreaterThan(0);
    for (const cycle of cycles) expect(cycle).toMatch(/^no-circular: packages\/shared\/src\/planted-cycle-[ab]\.ts → packages\/shared\/src\/planted-cycle-[ab]\.ts$/);
  });

  it("knip reports the unused files, export and dependency, and nothing else", async () => {
    const output = await tool("knip", ["--no-progress", "--reporter", "json"]);
    const { issues } = JSON.parse(output) as {
      issues: { file: string; files: unknown[]; exports: { name: string }[]; dependencies: { name: string }[]; [kind: string]: unknown }[];
    };
    const found = issues.flatMap((issue) => [
      ...issue.files.map(() => `unused file ${issue.file}`),
      ...issue.exports.map((e) => `unused export ${e.name} in ${issue.file}`),
      ...issue.dependencies.map((d) => `unused dependency ${d.name} in ${issue.file}`),
    ]);
    // Files nothing imports, the planted ones among them, are what knip calls unused files.
    expect(found.sort()).toEqual(
      [
        "unused dependency left-pad in apps/query-api/package.json",
        "unused export PLANTED_UNUSED_EXPORT in apps/query-api/src/params.ts",
        "unused file apps/ingest-api/src/planted-app-import.ts",
        "unused file apps/ingest-api/src/planted-rollup-sql.ts",
        "unused file bench/src/planted-reach-in.ts",
        "unused file packages/shared/src/planted-app-import.ts",
        "unused file packages/shared/src/planted-cycle-a.ts",
        "unused file packages/shared/src/planted-cycle-b.ts",
      ].sort(),
    );
    // No other kind of issue either (unlisted dependencies, unresolved imports, duplicates…).
    const otherKinds = issues.flatMap((issue) =>
      Object.entries(issue).filter(([kind, list]) => !["file", "files", "exports", "dependencies"].includes(kind) && Array.isArray(list) && list.length > 0),
    );
    expect(otherKinds).toEqual([]);
  });

  it("eslint refuses rollup SQL in ingest-api, and only there", async () => {
    const files = ["apps/ingest-api/src/planted-rollup-sql.ts", "apps/query-api/src/messages/messages.repository.ts"];
    const output = await tool("eslint", ["--format", "json", ...files]);
    const results = JSON.parse(output) as { filePath: string; messages: { ruleId: string; message: string }[] }[];
    expect(results.map((r) => [r.filePath.slice(copy.length + 1), r.messages.map((m) => m.ruleId)])).toEqual([
      ["apps/ingest-api/src/planted-rollup-sql.ts", ["no-restricted-syntax"]],
      ["apps/query-api/src/messages/messages.repository.ts", []],
    ]);
    expect(results[0]!.messages[0]!.message).toMatch(/ingest-api never touches the rollups/);
  });
});
