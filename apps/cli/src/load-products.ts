import { createReadStream } from "node:fs";
import { ArraySplitter } from "@tally/shared/json";
import { describeProblem } from "./load-batches.js";
import { endpoint, requestHeaders, type LoadContext } from "./load-context.js";
import { sendBatch } from "./send-batch.js";

/**
 * Products: the file is one catalogue update, and the API refuses a byte-identical body for 10 minutes,
 * so it must go as ONE request whose body is the file's bytes, streamed (never read whole), with its
 * Content-Length. Splitting it or re-serialising it would make a different body. The elements are
 * counted on the way past, so a refused file still reports how many products it held.
 */
export async function loadProducts(ctx: LoadContext, fileBytes: number): Promise<void> {
  const { options, summary } = ctx;
  let counter = new ElementCounter();
  const open = () => {
    // Each attempt (a retry after a 429, say) streams the file again from its start.
    counter = new ElementCounter();
    ctx.progress.bytesRead = 0;
    ctx.progress.eventsRead = 0;
    const stream = createReadStream(options.file);
    stream.on("data", (chunk) => {
      ctx.progress.bytesRead += chunk.length;
      ctx.progress.eventsRead = counter.write(chunk as Buffer);
    });
    stream.on("end", () => counter.end());
    return stream;
  };

  const request = { url: endpoint(options), headers: requestHeaders(options, `${ctx.runId}-1`), body: { open, length: fileBytes } };
  const outcome = await sendBatch(request, "products", 0, { post: ctx.post, budget: ctx.budget, stats: summary.stats });
  if (outcome.result === "accepted") {
    summary.accepted(outcome.accepted);
    return;
  }
  // An answer given before the body was read whole (a 413 on Content-Length) left the count short.
  const events = counter.complete ? counter.count : await countElements(options.file);
  const where = "the file";
  switch (outcome.result) {
    case "rejected":
      summary.add({ outcome: "rejected", where, status: outcome.problem.status, ...describeProblem(outcome.problem, (path) => path || "body"), events });
      break;
    case "ambiguous":
      summary.add({ outcome: "ambiguous", where, message: outcome.reason, events });
      break;
    case "not-sent":
      summary.add({ outcome: "notSent", where, message: outcome.reason, events });
      break;
  }
}

/** Counts a JSON array's elements as bytes go by; stops counting (keeps what it has) where the JSON breaks. */
class ElementCounter {
  count = 0;
  complete = false;
  private broken = false;
  private readonly splitter = new ArraySplitter(Number.POSITIVE_INFINITY);

  write(chunk: Buffer): number {
    if (this.broken) return this.count;
    const elements: Buffer[] = [];
    try {
      this.splitter.write(chunk, elements);
    } catch {
      // Malformed: the API will say so (400); counting further would be guessing.
      this.broken = true;
    }
    this.count += elements.length;
    return this.count;
  }

  end(): void {
    this.complete = true;
  }
}

async function countElements(file: string): Promise<number> {
  const counter = new ElementCounter();
  for await (const chunk of createReadStream(file)) counter.write(chunk as Buffer);
  return counter.count;
}
