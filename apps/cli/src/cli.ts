import { randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import { createPoster } from "./http-post.js";
import { loadBatches } from "./load-batches.js";
import type { LoadContext } from "./load-context.js";
import { loadProducts } from "./load-products.js";
import { parseArgs, USAGE, UsageError, type LoadOptions } from "./parse-args.js";
import { checkSomethingListens, NothingListening } from "./preflight.js";
import { startProgress, type ProgressMode, type ProgressOutput } from "./progress.js";
import { RetryBudget } from "./retry-policy.js";
import { formatSummary, Summary } from "./summary.js";

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressOutput & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Aborts on Ctrl-C: the loader stops reading, lets requests in flight finish, and prints its summary. */
  signal?: AbortSignal;
}

/** `tally …` with these arguments; resolves with the exit code. Prints the summary on stdout, the rest on stderr. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let options: LoadOptions;
  let fileBytes: number;
  try {
    const command = parseArgs(argv, { TALLY_API_KEY: io.env.TALLY_API_KEY });
    if (command.command === "help") {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    options = command.options;
    fileBytes = await fileSize(options.file);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`tally: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (!options.quiet) for (const note of options.notes) io.stderr.write(`tally: note: ${note}\n`);
  try {
    await checkSomethingListens(options.url);
  } catch (error) {
    if (!(error instanceof NothingListening)) throw error;
    io.stderr.write(`tally: ${error.message}\n`);
    return 2;
  }

  const summary = new Summary(options.kind, options.file);
  summary.notes.push(...options.notes);
  const poster = createPoster(options.concurrency);
  const budget = new RetryBudget(options.maxWaitMs);
  const ctx: LoadContext = {
    options,
    summary,
    budget,
    post: poster.post,
    progress: { bytesRead: 0, eventsRead: 0 },
    // Also the prefix of every batch's Idempotency-Key: 64 random bits, so no two runs share one.
    runId: `load-${randomBytes(8).toString("hex")}`,
    signal: io.signal ?? new AbortController().signal,
  };
  const mode: ProgressMode = options.quiet ? "off" : io.stderr.isTTY ? "tty" : "plain";
  const progress = startProgress(mode, io.stderr, () => ({
    bytesRead: ctx.progress.bytesRead,
    totalBytes: fileBytes,
    // Events with an outcome, so a stalled run shows 0 events/s; a products body has its outcome only at
    // the end, so there it is the products streamed so far.
    events: options.kind === "products" ? ctx.progress.eventsRead : summary.total,
    retries: summary.stats.retries,
    waiting: budget.isWaiting,
  }));
  // Ctrl-C: waiting batches give up at once; those in flight get their answer.
  const interrupt = () => budget.stop("interrupted (Ctrl-C)");
  ctx.signal.addEventListener("abort", interrupt, { once: true });
  try {
    if (options.kind === "products") await loadProducts(ctx, fileBytes);
    else await loadBatches(ctx);
  } finally {
    ctx.signal.removeEventListener("abort", interrupt);
    progress.stop();
    poster.close();
  }
  if (ctx.signal.aborted) summary.interrupted ??= "by Ctrl-C";
  summary.finish(budget.waited());
  io.stdout.write(options.json ? `${JSON.stringify(summary.toJSON())}\n` : formatSummary(summary));
  return summary.exitCode();
}

/** The file's size, for the progress bar and products' Content-Length; a missing file is a usage error. */
async function fileSize(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new UsageError(`not a file: ${file}`);
    return info.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as { code?: string }).code;
    throw new UsageError(code === "ENOENT" ? `file not found: ${file}` : `cannot read ${file}: ${(error as Error).message}`);
  }
}
