import fc from "fast-check";
import type { HttpClient } from "./http-client.js";
import { describeCase, type RequestCase } from "./request-case.js";
import { violations, type Limits } from "./response-checks.js";
import { differences, type SideEffects } from "./side-effects.js";
import type { Tally } from "./tally.js";

/** What every property needs: the client, the side-effect counter, the tally and the configured limits. */
export interface Harness {
  client: HttpClient;
  effects: SideEffects;
  tally: Tally;
  limits: Limits;
}

export interface HostileCampaign {
  /** The route as the table shows it: `POST /v1/messages`. */
  route: string;
  arbitrary: fc.Arbitrary<RequestCase>;
  runs: number;
  seed: number;
  /** Every case is invalid, so nothing may be queued or written: checked around every batch. */
  writesNothing: boolean;
}

const BATCH = 1000;
/** Distinct failures shrunk per campaign, and the time each may take: the report needs one example, not all. */
const MAX_SHRUNK = 2;
const SHRINK_MS = 20_000;

interface Failure {
  count: number;
  index: number;
  kind: "answer" | "trace" | "accepted";
  first: string;
}

/**
 * The campaign's cases, case i being fast-check's run i for the seed (so `path: i` replays it), generated
 * lazily a chunk at a time (fc.sample with a path skips to a run without generating the ones before), and
 * the chunks before the current batch dropped.
 */
class CaseSource {
  private readonly chunks = new Map<number, RequestCase[]>();
  private static readonly CHUNK = 50;

  constructor(private readonly c: HostileCampaign) {}

  at(i: number): RequestCase {
    const chunk = Math.floor(i / CaseSource.CHUNK);
    let cases = this.chunks.get(chunk);
    if (!cases) {
      const start = chunk * CaseSource.CHUNK;
      cases = fc.sample(this.c.arbitrary, { seed: this.c.seed, path: String(start), numRuns: Math.min(CaseSource.CHUNK, this.c.runs - start) });
      this.chunks.set(chunk, cases);
      for (const old of this.chunks.keys()) if (old < chunk - BATCH / CaseSource.CHUNK) this.chunks.delete(old);
    }
    return cases[i % CaseSource.CHUNK]!;
  }
}

/** A violation without the details that vary from case to case, so one bug is counted once. */
const normalize = (v: string) => (v.startsWith("422 does not name") ? "422 does not name every bad field" : v.replace(/"(?:[^"\\]|\\.)*"/g, '"…"'));
const signature = (c: RequestCase, v: string) => `[${c.label}] ${normalize(v)}`;

/**
 * Sends `runs` generated cases (fc.sample, so case i is fast-check's run i for this seed), in batches, many
 * at a time. Each answer must keep the contract; with `writesNothing`, every batch must leave every count as
 * it was. A failure is then replayed alone through fc.check with its seed and path, and shrunk.
 * Returns the report: empty when every case kept the contract.
 */
export async function runHostile(h: Harness, c: HostileCampaign): Promise<string[]> {
  const cases = new CaseSource(c);
  // Work still going on from earlier properties would count as this campaign's trace.
  if (c.writesNothing) await h.effects.idle();
  const t0 = Date.now();
  const failures = new Map<string, Failure>();
  const note = (key: string, index: number, kind: Failure["kind"], first: string) => {
    const f = failures.get(key) ?? { count: 0, index, kind, first };
    f.count++;
    failures.set(key, f);
  };
  for (let start = 0; start < c.runs; start += BATCH) {
    const size = Math.min(BATCH, c.runs - start);
    const before = c.writesNothing ? await h.effects.snapshot() : undefined;
    const outcomes = await h.client.sendEach(size, (i) => cases.at(start + i));
    const batch = Array.from({ length: size }, (_, i) => cases.at(start + i));
    h.tally.record(c.route, outcomes);
    outcomes.forEach((o, i) => {
      for (const v of violations(batch[i]!, o, h.limits)) note(signature(batch[i]!, v), start + i, "answer", v);
    });
    if (before) {
      const diff = differences(before, await settledSnapshot(h));
      if (diff.length > 0) {
        // A request wrongly accepted explains a trace; otherwise replay the batch to find who left it.
        const accepted = outcomes.findIndex((o, i) => o.status !== undefined && o.status < 300 && !batch[i]!.expect.includes(o.status));
        const culprit = accepted >= 0 ? accepted : await findCulprit(h, batch);
        const why = accepted >= 0 ? "wrongly accepted requests left a trace" : "a rejected request left a trace";
        note(`[${culprit === undefined ? "?" : batch[culprit]!.label}] ${why}`, start + (culprit ?? 0), accepted >= 0 ? "accepted" : "trace", diff.join(", "));
      }
    }
  }
  const t1 = Date.now();
  const report: string[] = [];
  let shrunk = 0;
  for (const [key, f] of failures) {
    const example =
      f.kind !== "accepted" && shrunk++ < MAX_SHRUNK ? await shrink(h, c, f) : `first at case ${f.index}: ${describeCase(cases.at(f.index))}`;
    report.push(`${key} — ${f.count} of ${c.runs} (${f.first})\n    ${example}`);
  }
  if (process.env.TEST_FUZZ_TIMING) console.log(`TIMING ${c.route}: generate and send ${t1 - t0} ms, shrink ${Date.now() - t1} ms`);
  return report;
}

async function settledSnapshot(h: Harness, ms = 50) {
  await new Promise((r) => setTimeout(r, ms));
  return h.effects.snapshot();
}

/** Replays a batch one case at a time to find the one that wrote something. */
async function findCulprit(h: Harness, batch: RequestCase[]): Promise<number | undefined> {
  for (const [i, c] of batch.entries()) {
    const before = await h.effects.snapshot();
    await h.client.send(c);
    if (differences(before, await settledSnapshot(h, 20)).length > 0) return i;
  }
  return undefined;
}

async function shrink(h: Harness, c: HostileCampaign, f: Failure): Promise<string> {
  const property = fc.asyncProperty(c.arbitrary, async (rc) => {
    const before = f.kind === "trace" ? await h.effects.snapshot() : undefined;
    const outcome = await h.client.send(rc);
    if (f.kind === "answer") {
      // Replayed, a products body accepted the first time is a duplicate (403): the same fault.
      const first = normalize(f.first).replace(/^status 202,/, "status 403,");
      const same = violations(rc, outcome, h.limits).filter((v) => normalize(v) === normalize(f.first) || normalize(v) === first);
      if (same.length > 0) throw new Error(same.join("; "));
    } else {
      const diff = differences(before!, await settledSnapshot(h));
      if (diff.length > 0) throw new Error(`left a trace: ${diff.join(", ")}`);
    }
  });
  const result = await fc.check(property, { seed: c.seed, path: String(f.index), numRuns: c.runs, interruptAfterTimeLimit: SHRINK_MS });
  if (!result.failed || !result.counterexample) return `did not fail again when replayed alone (case ${f.index})`;
  let error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
  if (error.startsWith("status 403")) error += " (403: this very body was already accepted earlier in the run, i.e. it got 202)";
  return `shrunk in ${result.numShrinks} steps (seed ${c.seed}, path ${result.counterexamplePath}): ${describeCase(result.counterexample[0])}\n    → ${error}`;
}
