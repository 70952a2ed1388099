import { endpoint, requestHeaders, type LoadContext } from "./load-context.js";
import type { FileFormat } from "./parse-args.js";
import { readEvents } from "./read-events.js";
import { sendBatch, type Problem } from "./send-batch.js";
import { MAX_ERRORS_PER_REASON } from "./summary.js";

/** Answers that every other batch would get too (wrong key, wrong URL): stop instead of sending them all. */
const FATAL_STATUSES = new Set([401, 404, 405]);

/** Events on their way into one request body, with where each came from in the file. */
class Batch {
  readonly texts: string[] = [];
  readonly positions: number[] = [];
  bytes = 2;

  add(text: string, position: number, bytes: number): void {
    this.texts.push(text);
    this.positions.push(position);
    this.bytes += bytes;
  }

  get size(): number {
    return this.texts.length;
  }

  /** A JSON array of the events as they were written: each was checked to be one JSON value. */
  body(): Buffer {
    return Buffer.from(`[${this.texts.join(",")}]`);
  }
}

/**
 * Messages, counters and flows: reads the file, cuts it into batches of `--batch` events (and at most
 * `--batch-bytes`), and sends them with at most `--concurrency` in flight. Reading waits for a free slot,
 * so memory holds at most concurrency + 1 batches whatever the file's size. Order is not kept.
 */
export async function loadBatches(ctx: LoadContext): Promise<void> {
  const { options, summary } = ctx;
  const inFlight = new Set<Promise<void>>();
  let batch = new Batch();
  let number = 0;

  const flush = async () => {
    if (batch.size === 0) return;
    const full = batch;
    batch = new Batch();
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    const sending = send(full, ++number, ctx).finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  };

  try {
    for await (const found of readEvents(options.file, options.format, (bytes) => (ctx.progress.bytesRead += bytes))) {
      for (const event of found) {
        if (!event.ok) {
          summary.add({ outcome: "rejected", where: label(options.format, [event.position]), message: event.reason, events: 1 });
          continue;
        }
        const bytes = Buffer.byteLength(event.text) + 1;
        // An event bigger than --batch-bytes on its own still goes, alone; the API decides (413).
        if (batch.size >= options.batch || (batch.size > 0 && batch.bytes + bytes > options.batchBytes)) await flush();
        batch.add(event.text, event.position, bytes);
      }
      if (ctx.signal.aborted) break;
    }
  } catch (error) {
    // Unreadable, or a JSON array broken at some byte: what was read before it is still sent.
    summary.fileError = (error as Error).message;
  }
  if (ctx.signal.aborted) {
    summary.interrupted = `by Ctrl-C at byte ${ctx.progress.bytesRead.toLocaleString("en-US")}; the rest of the file was not read`;
    if (batch.size > 0) summary.add({ outcome: "notSent", message: ctx.budget.stopped ?? "interrupted", events: batch.size });
  } else {
    await flush();
  }
  await Promise.all(inFlight);
}

/** Sends one batch and counts its events under their outcome. Never rejects. */
async function send(batch: Batch, number: number, ctx: LoadContext): Promise<void> {
  const { options, summary, budget } = ctx;
  if (budget.stopped !== undefined) {
    // The run has given up: count, do not send (not even build the body).
    summary.add({ outcome: "notSent", message: budget.stopped, events: batch.size });
    return;
  }
  const where = label(options.format, batch.positions);
  try {
    const request = { url: endpoint(options), headers: requestHeaders(options, `${ctx.runId}-${number}`), body: batch.body() };
    const outcome = await sendBatch(request, options.kind, batch.size, { post: ctx.post, budget, stats: summary.stats });
    switch (outcome.result) {
      case "accepted":
        // Counted from the batch, not the answer, so every event of the file is counted exactly once.
        summary.accepted(batch.size);
        break;
      case "rejected": {
        const { problem } = outcome;
        summary.add({ outcome: "rejected", where, status: problem.status, ...describeProblem(problem, (path) => locate(path, batch, options.format)), events: batch.size });
        if (FATAL_STATUSES.has(problem.status)) budget.stop(`an earlier request was refused with ${problem.status} ${problem.title}, as every one would be`);
        break;
      }
      case "ambiguous":
        summary.add({ outcome: "ambiguous", where, message: outcome.reason, events: batch.size });
        break;
      case "not-sent":
        summary.add({ outcome: "notSent", message: outcome.reason, events: batch.size });
        break;
    }
  } catch (error) {
    // A bug, not an answer: keep the run's counts whole and say what happened.
    summary.add({ outcome: "notSent", where, message: `unexpected error: ${(error as Error).message}`, events: batch.size });
  }
}

/** A problem as a reason: its title, and either its field errors (pointed at the file) or its detail. */
export function describeProblem(problem: Problem, locatePath: (path: string) => string): { message: string; errors?: string[] } {
  if (problem.errors.length === 0) return { message: problem.detail ? `${problem.title}: ${problem.detail}` : problem.title };
  const shown = problem.errors.slice(0, MAX_ERRORS_PER_REASON).map((e) => `${locatePath(e.path)}: ${e.message}`);
  const more = problem.errors.length - shown.length;
  if (more > 0) shown.push(`… and ${more} more`);
  const fields = problem.errors.length === 1 ? "1 invalid field" : `${problem.errors.length} invalid fields`;
  return { message: `${problem.title}: ${fields}`, errors: shown };
}

/** The API names an item by its index in the batch (`[3].amount`); the user wants its line in the file. */
export function locate(path: string, batch: { positions: readonly number[] }, format: FileFormat): string {
  const match = /^\[(\d+)\](.*)$/.exec(path);
  const position = match ? batch.positions[Number(match[1])] : undefined;
  if (!match || position === undefined) return path === "" ? "body" : path;
  const field = match[2] ?? "";
  if (format === "json") return `[${position}]${field}`;
  return field === "" ? `line ${position}` : `line ${position}, ${field.replace(/^\./, "")}`;
}

/** `lines 101–200`, `line 7`, `[100]–[199]`, `[3]`. */
export function label(format: FileFormat, positions: readonly number[]): string {
  const first = positions[0];
  const last = positions[positions.length - 1];
  if (first === undefined || last === undefined) return "";
  if (format === "json") return first === last ? `[${first}]` : `[${first}]–[${last}]`;
  return first === last ? `line ${first}` : `lines ${first}–${last}`;
}
