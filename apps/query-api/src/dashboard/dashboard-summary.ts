import type { Database } from "@tally/shared/db";
import { QUEUE_NAMES } from "@tally/shared/jobs";
import type { Kysely } from "kysely";
import type { z } from "zod";
import { lastCompleteWindowStart, WINDOW_MS } from "../counters/windows.js";
import { messagesPerHour, requestsPerMinute, watermarks, type Watermark } from "./dashboard.repository.js";
import type { dashboardSummaryResponse } from "./dashboard.schema.js";

type Summary = z.input<typeof dashboardSummaryResponse>;

/** How many complete minutes the throughput series covers. */
const SUMMARY_MINUTES = 30;

/** The dashboard's numbers at `now`: throughput ending with the last complete minute, and every queue's lag. */
async function dashboardSummary(db: Kysely<Database>, now: number): Promise<Summary> {
  const minute = WINDOW_MS.minute;
  const to = lastCompleteWindowStart("minute", now) + minute;
  const from = to - SUMMARY_MINUTES * minute;
  const currentHour = Math.floor(now / WINDOW_MS.hour) * WINDOW_MS.hour;
  const lastHour = currentHour - WINDOW_MS.hour;
  const [requests, messages, marks] = await Promise.all([
    requestsPerMinute(db, new Date(from), new Date(to)),
    messagesPerHour(db, [new Date(lastHour), new Date(currentHour)]),
    watermarks(db),
  ]);
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    generatedAt: iso(now),
    requestsPerMinute: {
      from: iso(from),
      to: iso(to),
      minutes: Array.from({ length: SUMMARY_MINUTES }, (_, i) => from + i * minute).map((m) => ({ minute: iso(m), requests: requests.get(m) ?? 0 })),
    },
    messages: {
      lastHour: { start: iso(lastHour), count: messages.get(lastHour) ?? 0 },
      currentHour: { start: iso(currentHour), count: messages.get(currentHour) ?? 0 },
    },
    queues: queueLags(marks, now),
  };
}

/** The known queues in their usual order (null where no worker has recorded one yet), then any others. */
function queueLags(marks: readonly Watermark[], now: number): Summary["queues"] {
  const byQueue = new Map(marks.map((m) => [m.queue, m]));
  const names = [...new Set<string>([...Object.values(QUEUE_NAMES), ...byQueue.keys()])];
  return names.map((queue) => {
    const mark = byQueue.get(queue);
    if (!mark) return { queue, asOf: null, computedAt: null, lagMs: null, recordedAgoMs: null };
    return {
      queue,
      asOf: mark.asOf.toISOString(),
      computedAt: mark.computedAt.toISOString(),
      lagMs: Math.max(0, mark.computedAt.getTime() - mark.asOf.getTime()),
      recordedAgoMs: now - mark.computedAt.getTime(),
    };
  });
}

/**
 * Shares one computation among every request within `ttlMs` of it (by the app's clock), so the cost
 * of the summary does not grow with the number of dashboards open. A failure is not kept.
 */
export function cachedDashboardSummary(db: Kysely<Database>, clock: () => number, ttlMs: number): () => Promise<Summary> {
  let cached: { at: number; summary: Promise<Summary> } | undefined;
  return () => {
    const now = clock();
    if (cached && now >= cached.at && now - cached.at < ttlMs) return cached.summary;
    const entry = { at: now, summary: dashboardSummary(db, now) };
    cached = entry;
    entry.summary.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return entry.summary;
  };
}
