import { exactCount } from "@tally/shared/http";
import { z } from "zod";

const instant = z.iso.datetime();
const count = exactCount;

/** One queue's watermark as the workers last recorded it; all null before any worker has. */
const queueLag = z.object({
  queue: z.string(),
  asOf: instant.nullable().meta({ description: "every event of this queue accepted before this time is folded in" }),
  computedAt: instant.nullable().meta({ description: "when a worker computed asOf (it does so every second)" }),
  lagMs: z.int().min(0).nullable().meta({ description: "computedAt − asOf: how far behind the workers were then (≥ 1 s when idle)" }),
  recordedAgoMs: z.int().nullable().meta({ description: "now − computedAt: a growing value means no worker is recording (stopped, or cut off)" }),
});

/** `GET /v1/dashboard/summary`: what the dashboard shows besides the top domains. */
export const dashboardSummaryResponse = z.object({
  generatedAt: instant,
  requestsPerMinute: z
    .object({
      from: instant,
      to: instant,
      minutes: z.array(z.object({ minute: instant, requests: count })),
    })
    .meta({ description: "Counter requests per UTC minute (by the counters' own timestamps), the last complete minutes, oldest first; 0 where none" }),
  messages: z
    .object({
      lastHour: z.object({ start: instant, count }),
      currentHour: z.object({ start: instant, count }),
    })
    .meta({ description: "Messages counted in the last complete UTC hour and so far in the current one" }),
  queues: z.array(queueLag).meta({ description: "Every queue's fold lag, the known queues first" }),
});

export type DashboardSummary = z.output<typeof dashboardSummaryResponse>;
