import { KINDS, type Body, type Kind } from "./bodies.js";
import type { Outage } from "./chaos-schedule.js";
import type { FailedJob } from "./queue-monitor.js";
import type { KindReport } from "./verify.js";

/** A plain text table: a header row, then one row per record, columns padded. */
export function formatTable(rows: Record<string, string | number>[]): string {
  const first = rows[0];
  if (!first) return "(no rows)";
  const columns = Object.keys(first);
  const width = (c: string) => Math.max(c.length, ...rows.map((r) => String(r[c]).length));
  const line = (cells: (string | number)[]) => cells.map((v, i) => (i === 0 ? String(v).padEnd(width(columns[i]!)) : String(v).padStart(width(columns[i]!)))).join("  ");
  return [line(columns), line(columns.map((c) => "-".repeat(width(c)))), ...rows.map((r) => line(columns.map((c) => r[c] ?? "")))].join("\n");
}

export function resultTable(reports: KindReport[]): string {
  return formatTable(
    reports.map((r) => ({
      kind: r.kind,
      bodies: r.bodies,
      sends: r.sends,
      acknowledged: r.acknowledged,
      refused: r.refused,
      ambiguous: r.ambiguous,
      counted: r.counted,
      lost: r.lost,
      doubled: r.doubled,
      phantom: r.phantom,
      wrong: r.wrong,
      "ambiguous→counted": `${r.ambiguousCounted}/${r.ambiguous}`,
    })),
  );
}

/** What the HTTP side saw, per kind: statuses, and how ingest answered while Redis was away. */
export interface HttpSummary {
  kind: Kind;
  statuses: Map<string, number>;
  /** Sends started while Redis was away. */
  duringRedisOutage: number;
  unavailableDuringRedisOutage: number;
  /** 503s anywhere without a Retry-After header. */
  unavailableWithoutRetryAfter: number;
  /** 5xx other than 503: never acceptable. */
  serverErrors: string[];
  /** Timeouts (10 s) and resets. */
  timeouts: number;
  maxMsDuringRedisOutage: number;
}

export function summarizeHttp(bodies: Record<Kind, Body[]>, outages: Outage[]): HttpSummary[] {
  const redisDown = outages.filter((o) => o.server === "redis");
  return KINDS.map((kind) => {
    const summary: HttpSummary = {
      kind,
      statuses: new Map(),
      duringRedisOutage: 0,
      unavailableDuringRedisOutage: 0,
      unavailableWithoutRetryAfter: 0,
      serverErrors: [],
      timeouts: 0,
      maxMsDuringRedisOutage: 0,
    };
    for (const body of bodies[kind]) {
      // A poisoned products body is refused by validation (422), Redis or not: kept apart.
      const poisoned = "poisoned" in body && body.poisoned === true;
      for (const s of body.sends) {
        const status = poisoned ? `${s.status} (poisoned)` : String(s.status);
        summary.statuses.set(status, (summary.statuses.get(status) ?? 0) + 1);
        if (s.status === 503 && !s.retryAfter) summary.unavailableWithoutRetryAfter += 1;
        if (typeof s.status === "number" && s.status >= 500 && s.status !== 503) summary.serverErrors.push(`${kind} #${body.n}: ${s.status} ${s.detail ?? ""}`);
        if (typeof s.status !== "number") summary.timeouts += 1;
        // Started after the kill and before the restart: the producer cannot have had a connection.
        if (!poisoned && redisDown.some((o) => s.startedAt >= o.down + 100 && s.startedAt < o.up - 100)) {
          summary.duringRedisOutage += 1;
          if (s.status === 503) summary.unavailableDuringRedisOutage += 1;
          summary.maxMsDuringRedisOutage = Math.max(summary.maxMsDuringRedisOutage, s.ms);
        }
      }
    }
    return summary;
  });
}

export function httpTable(summaries: HttpSummary[]): string {
  return formatTable(
    summaries.map((s) => ({
      kind: s.kind,
      statuses: [...s.statuses].sort().map(([k, v]) => `${k}×${v}`).join(" "),
      "sent in Redis outage": s.duringRedisOutage,
      "503 there": s.unavailableDuringRedisOutage,
      "max ms there": s.maxMsDuringRedisOutage,
      "503 w/o Retry-After": s.unavailableWithoutRetryAfter,
      "other 5xx": s.serverErrors.length,
      "timeouts/resets": s.timeouts,
    })),
  );
}

/**
 * How long after each Redis restart ingest kept answering 503 (its producer reconnecting): the start
 * of the last 503 to a kind that needs only Redis (products also need Postgres), before any later
 * outage began, relative to Redis being back.
 */
export function redisRecoveryMs(bodies: Record<Kind, Body[]>, outages: Outage[]): number[] {
  const sends = (["messages", "counters", "flows"] as const).flatMap((k) => bodies[k].flatMap((b) => b.sends));
  return outages
    .filter((o) => o.server === "redis")
    .map((o) => {
      const until = Math.min(o.up + 15_000, ...outages.filter((later) => later.down > o.up).map((later) => later.down));
      return Math.max(0, ...sends.filter((s) => s.status === 503 && s.startedAt >= o.up && s.startedAt < until).map((s) => s.startedAt - o.up));
    });
}

/**
 * The failed sets grouped by queue and reason (with when, relative to the load's start, and how often
 * the jobs had stalled), and which lost requests sit in them: a lost request found in a failed job
 * names the mechanism that lost it.
 */
export function summarizeFailed(failed: FailedJob[], reports: KindReport[], loadStart: number): string[] {
  const groups = new Map<string, FailedJob[]>();
  for (const job of failed) groups.set(`${job.queue}: ${job.reason}`, [...(groups.get(`${job.queue}: ${job.reason}`) ?? []), job]);
  const lines = [...groups].map(([key, jobs]) => {
    const times = jobs.map((j) => (j.finishedOn - loadStart) / 1000);
    const stalls = [...new Set(jobs.map((j) => j.stalls))].sort().join("/");
    return `${jobs.length} × ${key} (failed at t=${Math.min(...times).toFixed(1)}…${Math.max(...times).toFixed(1)} s, stalled ${stalls} times, attempts ${[...new Set(jobs.map((j) => j.attempts))].join("/")})`;
  });
  // Which body numbers each failed job carried: customerId, `req-n.` domains, `req-n` src_app.
  const carried = new Map<string, Set<number>>();
  const text = (job: FailedJob) => JSON.stringify(job.data);
  for (const job of failed) {
    const found = carried.get(job.queue) ?? new Set<number>();
    const pattern = job.queue === "messages" ? /"customerId":(\d+)/g : /"req-(\d+)/g;
    for (const m of text(job).matchAll(pattern)) found.add(Number(m[1]));
    carried.set(job.queue, found);
  }
  for (const r of reports) {
    const lost = r.examples.filter((e) => e.startsWith("lost:")).map((e) => Number(/#(\d+)/.exec(e)?.[1]));
    if (r.lost === 0) continue;
    const inFailed = lost.filter((n) => carried.get(r.kind)?.has(n)).length;
    lines.push(`${r.kind}: ${inFailed} of the ${lost.length} lost requests listed above are in failed jobs`);
  }
  return lines;
}
