#!/usr/bin/env node
import { run } from "./cli.js";

// The first Ctrl-C stops reading and still prints the summary (what got in, what did not); a second one
// quits at once.
const interrupted = new AbortController();
process.once("SIGINT", () => {
  interrupted.abort();
  process.once("SIGINT", () => process.exit(130));
});

process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: interrupted.signal });
