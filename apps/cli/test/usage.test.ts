import { writeFile } from "node:fs/promises";
import { freePort } from "@tally/testing";
import { describe, expect, it } from "vitest";
import { run } from "../src/cli.js";
import { spawnCli, tempDir, writeNdjson } from "./helpers.js";

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, { stdout: { write: (s) => out.push(s) }, stderr: { write: (s) => err.push(s) }, env: {} });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("tally load: usage errors exit 2 with a clear message", () => {
  it("an unknown kind", async () => {
    const { code, stderr, stdout } = await cli(["load", "bogus", "x.ndjson"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^tally: unknown kind "bogus": expected one of messages, counters, flows, products\n/);
    expect(stderr).toContain("Usage: tally load <kind> <file>");
    expect(stdout).toBe("");
  });

  it("a missing file", async () => {
    const { code, stderr } = await cli(["load", "messages", "/nonexistent/x.ndjson"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^tally: file not found: \/nonexistent\/x\.ndjson\n/);
  });

  it("a directory instead of a file, and an unknown option", async () => {
    const dir = await tempDir();
    try {
      expect((await cli(["load", "messages", dir.path("")])).stderr).toMatch(/^tally: (not a file|cannot tell the format)/);
      const { code, stderr } = await cli(["load", "messages", await writeNdjson(dir.path("m.ndjson"), []), "--bach", "10"]);
      expect(code).toBe(2);
      expect(stderr).toMatch(/^tally: Unknown option '--bach'/);
    } finally {
      await dir.remove();
    }
  });

  it("--help prints the usage and exits 0", async () => {
    const { code, stdout } = await cli(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("tally load <kind> <file>");
  });

  it("sets the process's exit code when run as a program", async () => {
    const process = spawnCli(["load", "nope", "file.ndjson"]);
    expect(await process.exited).toBe(2);
    expect(process.stderr()).toContain('unknown kind "nope"');
  });
});

describe("tally load where nothing listens at --url", () => {
  it("exits 2 within a second, saying so, instead of retrying for --max-wait", async () => {
    const dir = await tempDir();
    try {
      const url = `http://127.0.0.1:${await freePort()}`;
      const file = await writeNdjson(dir.path("m.ndjson"), [{ customerId: 1, type: "A", amount: "1", uuid: "a596b362-08be-419f-8070-9c3055566e7c" }]);
      const started = Date.now();
      const { code, stdout, stderr } = await cli(["load", "messages", file, "--url", url]);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(code).toBe(2);
      expect(stderr).toBe(`tally: nothing is listening at ${url}: is the ingest API running? (start it with pnpm start, or point --url at it)\n`);
      expect(stdout).toBe("");
    } finally {
      await dir.remove();
    }
  });

  it("exits 2 as a program too, for products as for batches", async () => {
    const dir = await tempDir();
    try {
      const file = dir.path("catalogue.json");
      await writeFile(file, '[{"id":1}]');
      const process = spawnCli(["load", "products", file, "--url", `http://127.0.0.1:${await freePort()}`]);
      expect(await process.exited).toBe(2);
      expect(process.stderr()).toMatch(/^tally: nothing is listening at http:\/\/127\.0\.0\.1:\d+: is the ingest API running\?/);
    } finally {
      await dir.remove();
    }
  });
});
