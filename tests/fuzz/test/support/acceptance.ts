import fc from "fast-check";
import type { Harness } from "./campaign.js";
import { describeCase, type RequestCase } from "./request-case.js";
import { violations } from "./response-checks.js";

/** A valid request, and how to tell that what it carried was stored exactly. */
export interface Accepted {
  request: RequestCase;
  /** Items in the body: the 202 must say `{"accepted": items}`. */
  items: number;
  /** Called once the request was accepted, before any read-back: notes what it added. */
  record?: () => void;
  /** Reads back what the request carried; returns what differs (empty when stored exactly). */
  verify: () => Promise<string[]>;
}

export interface AcceptanceCampaign<T> {
  route: string;
  arbitrary: fc.Arbitrary<T>;
  runs: number;
  seed: number;
  /** Builds the request with keys no other request uses (uuids, minutes, hours, ids), so read-backs are exact. */
  materialize: (template: T) => Accepted;
  /** 422 is also a right answer (the request is valid by field rules, but holds what cannot be stored). */
  mayReject?: boolean;
}

const DRAIN_MS = 8_000;
const SHRINK_MS = 10_000;

/**
 * "202 means queued, and queued means counted": posts valid requests (202, `accepted` = items), waits for the
 * worker to fold every job (none left retrying or failed), then reads each request's data back through the
 * query API. The first failing template is replayed alone through fc.check and shrunk.
 */
export async function runAcceptance<T>(h: Harness, c: AcceptanceCampaign<T>): Promise<string[]> {
  const templates = fc.sample(c.arbitrary, { seed: c.seed, numRuns: c.runs });
  const baseline = await h.effects.unfinishedJobs();
  const accepted = templates.map((t) => c.materialize(t));
  const outcomes = await h.client.sendAll(accepted.map((a) => a.request));
  h.tally.record(c.route, outcomes);
  const problems: { index: number; message: string }[] = [];
  const before = Date.now();
  outcomes.forEach((o, i) => {
    if (o.status === 202) accepted[i]!.record?.();
    const v = answerViolations(h, c, accepted[i]!, o);
    if (v.length > 0) problems.push({ index: i, message: v.join("; ") });
  });
  const drain = await drained(h, baseline, before);
  if (drain) problems.push({ index: -1, message: drain });
  for (const [i, a] of accepted.entries()) {
    if (outcomes[i]?.status !== 202) continue;
    const diff = await a.verify();
    if (diff.length > 0) problems.push({ index: i, message: `stored differently: ${diff.slice(0, 3).join("; ")}` });
  }
  if (problems.length === 0) return [];
  const first = problems.find((p) => p.index >= 0);
  const failed = new Set(problems.map((p) => p.index).filter((i) => i >= 0)).size;
  const lines = [
    `${failed} of ${c.runs} valid requests were not accepted and read back exactly${first ? `; first: ${first.message}` : ""}`,
    ...(drain ? [`    ${drain}`] : []),
  ];
  if (first) lines.push(`    ${await shrink(h, c, first.index)}`);
  return lines;
}

function answerViolations<T>(h: Harness, c: AcceptanceCampaign<T>, a: Accepted, o: Parameters<typeof violations>[1]): string[] {
  const expect = c.mayReject ? [202, 422] : [202];
  const v = violations({ ...a.request, expect }, o, h.limits);
  if (o.status === 202 && o.body !== JSON.stringify({ accepted: a.items })) v.push(`202 said ${o.body}, expected {"accepted":${a.items}}`);
  return v;
}

/** Undefined once every job queued since `baseline` has completed; otherwise why not (at once, if a job has already failed). */
async function drained(h: Harness, baseline: number, since: number, timeoutMs = DRAIN_MS): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; ; round++) {
    const unfinished = await h.effects.unfinishedJobs();
    if (unfinished <= baseline) return undefined;
    const failing = round > 0 ? (await h.effects.failureReasons(since)).filter((r) => !r.includes("(attempts 0)")) : [];
    if (failing.length > 0 || Date.now() > deadline) {
      const reasons = failing.length > 0 ? failing : await h.effects.failureReasons(since);
      return `${unfinished - baseline} accepted jobs were not folded${failing.length > 0 ? " (they failed)" : ` within ${timeoutMs} ms`}: ${reasons.slice(0, 3).join("; ")}`;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function shrink<T>(h: Harness, c: AcceptanceCampaign<T>, index: number): Promise<string> {
  const property = fc.asyncProperty(c.arbitrary, async (template) => {
    const a = c.materialize(template);
    const baseline = await h.effects.unfinishedJobs();
    const since = Date.now();
    const o = await h.client.send(a.request);
    const v = answerViolations(h, c, a, o);
    if (v.length > 0) throw new Error(v.join("; "));
    if (o.status !== 202) return;
    a.record?.();
    const drain = await drained(h, baseline, since, 2000);
    if (drain) throw new Error(drain);
    const diff = await a.verify();
    if (diff.length > 0) throw new Error(`stored differently: ${diff.slice(0, 3).join("; ")}`);
  });
  const result = await fc.check(property, { seed: c.seed, path: String(index), numRuns: c.runs, interruptAfterTimeLimit: SHRINK_MS });
  if (!result.failed || !result.counterexample) return `(case ${index} did not fail again when replayed alone)`;
  const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
  return `shrunk in ${result.numShrinks} steps (seed ${c.seed}, path ${result.counterexamplePath}): ${describeCase(c.materialize(result.counterexample[0]).request)}\n    → ${error}`;
}
