import type { Accepted, Problem as ProblemDocument } from "@tally/client";
import { RequestFailed, type HttpAnswer, type Post, type PostRequest } from "./http-post.js";
import type { Kind } from "./parse-args.js";
import { backoffMs, retryDelayMs, type RetryBudget } from "./retry-policy.js";

/** The parts of an RFC 9457 problem (the API's Problem schema) the summary shows, `errors` always there. */
export type Problem = Pick<ProblemDocument, "status" | "title" | "detail"> & { errors: NonNullable<ProblemDocument["errors"]> };

/**
 * What became of one batch. `accepted`: in, exactly once. `rejected`: refused (4xx), not in. `ambiguous`:
 * a request may have reached the API without an answer, so the batch may be in zero, one or (counters,
 * flows) two times. `not-sent`: never got in: the run gave up or was stopped.
 */
export type BatchOutcome =
  | { result: "accepted"; accepted: number }
  | { result: "rejected"; problem: Problem }
  | { result: "ambiguous"; reason: string }
  | { result: "not-sent"; reason: string };

export interface SendDeps {
  post: Post;
  budget: RetryBudget;
  /** Shared counters for the summary. */
  stats: { requests: number; retries: number; replays: number };
  clock?: () => number;
}

/**
 * POSTs one batch until it has a definite answer. 429, 503 and 409 (the same key still in flight) are
 * waited out (their Retry-After, else backoff) for as long as the run's budget allows; other 4xx are
 * final. A request that failed after it may have been sent is retried freely when it carries an
 * Idempotency-Key (the API then counts it once, and answers a repeat with the first answer, replayed),
 * and for messages, whose uuids make a repeat count once. Without a key, counters and flows are retried
 * once and reported ambiguous; products too, but then a 403 for the identical body is the only
 * ambiguous answer, since a 202 proves the first attempt did not land.
 */
export async function sendBatch(request: PostRequest, kind: Kind, events: number, deps: SendDeps): Promise<BatchOutcome> {
  const clock = deps.clock ?? Date.now;
  const safeToRetry = kind === "messages" || request.headers["idempotency-key"] !== undefined;
  let retry = 0;
  let maybeSent = false;
  for (;;) {
    if (deps.budget.stopped !== undefined) return gaveUp(deps.budget.stopped, maybeSent);
    deps.stats.requests++;
    let delay: number;
    let lastAnswer: string;
    try {
      const answer = await deps.post(request);
      const status = answer.status;
      if (status === 429 || status === 503 || status === 409) {
        delay = retryDelayMs(header(answer, "retry-after"), retry, clock());
        lastAnswer = describe(answer);
      } else if (status >= 500) {
        // A 500, or a proxy's 502/504: the API may have queued the batch before failing. Treat as lost in transit.
        if (!safeToRetry && maybeSent) return ambiguous(`${describe(answer)} on the retry of a request that may have been received`);
        maybeSent = true;
        delay = backoffMs(retry);
        lastAnswer = describe(answer);
      } else {
        deps.budget.progressed();
        if (header(answer, "idempotent-replayed") === "true") deps.stats.replays++;
        return settle(answer, kind, events, maybeSent && !safeToRetry);
      }
    } catch (error) {
      if (!(error instanceof RequestFailed)) throw error;
      lastAnswer = error.message;
      if (error.maybeSent) {
        if (!safeToRetry && maybeSent) return ambiguous(`${error.message} on the retry of a request that may have been received`);
        maybeSent = true;
      }
      delay = backoffMs(retry);
    }
    if (!(await deps.budget.wait(delay, lastAnswer))) return gaveUp(deps.budget.stopped ?? lastAnswer, maybeSent);
    retry++;
    deps.stats.retries++;
  }
}

/** A definite answer (2xx or a 4xx other than 429 and 409), read in the light of an earlier lost attempt (`maybeSent`, when retrying it was not safe). */
function settle(answer: HttpAnswer, kind: Kind, events: number, maybeSent: boolean): BatchOutcome {
  if (answer.status >= 200 && answer.status < 300) {
    const accepted = acceptedCount(answer) ?? events;
    if (maybeSent && (kind === "counters" || kind === "flows")) {
      return ambiguous("accepted on a retry after a request that may have been received: possibly counted twice");
    }
    return { result: "accepted", accepted };
  }
  if (maybeSent && kind === "products" && answer.status === 403) {
    return ambiguous("refused as a repeat after a request that may have been received: most likely that one was accepted");
  }
  // A refusal is about the batch itself, so an earlier identical attempt was refused the same way.
  return { result: "rejected", problem: readProblem(answer) };
}

function gaveUp(reason: string, maybeSent: boolean): BatchOutcome {
  // Messages retried after a lost attempt: that attempt may have landed (once; uuids see to that).
  return maybeSent ? ambiguous(`${reason}, after a request that may have been received`) : { result: "not-sent", reason };
}

function ambiguous(reason: string): BatchOutcome {
  return { result: "ambiguous", reason };
}

function acceptedCount(answer: HttpAnswer): number | undefined {
  try {
    const accepted = (JSON.parse(answer.body) as Partial<Record<keyof Accepted, unknown>>).accepted;
    return typeof accepted === "number" ? accepted : undefined;
  } catch {
    return undefined;
  }
}

/** The answer's problem+json, or what can be said of a body that is not one. */
function readProblem(answer: HttpAnswer): Problem {
  const fallback = { status: answer.status, title: `HTTP ${answer.status}`, detail: answer.body.slice(0, 200).trim(), errors: [] };
  try {
    const body = JSON.parse(answer.body) as Partial<Record<keyof ProblemDocument, unknown>>;
    const errors = Array.isArray(body.errors)
      ? body.errors.filter((e): e is { path: string; message: string } => typeof e?.path === "string" && typeof e?.message === "string")
      : [];
    return {
      status: answer.status,
      title: typeof body.title === "string" ? body.title : fallback.title,
      detail: typeof body.detail === "string" ? body.detail : "",
      errors,
    };
  } catch {
    return fallback;
  }
}

function describe(answer: HttpAnswer): string {
  const problem = readProblem(answer);
  return `${answer.status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ""}`;
}

function header(answer: HttpAnswer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
