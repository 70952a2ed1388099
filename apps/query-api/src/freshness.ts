import type { Database } from "@tally/shared/db";
import type { QueueName } from "@tally/shared/jobs";
import type { Kysely } from "kysely";
import { z } from "zod";

/** `asOf`, `complete` and `failedJobs` as every stats answer carries them. */
export const freshnessFields = {
  asOf: z.iso.datetime().nullable().meta({ description: "every event accepted before this time is counted, unless its job failed; null before any worker has run" }),
  complete: z.boolean().meta({ description: "whether the interval ended before asOf and no failed job touches it: a final number, not a provisional one" }),
  failedJobs: z.int().min(0).meta({ description: "jobs of this kind in the failed set: their events are not counted (an operator can retry them)" }),
};

/** A queue's watermark as the workers last recorded it, and what its failed set holds. */
export interface Watermark {
  asOf: Date;
  failedJobs: number;
  /** The span of event times the failed jobs carry, in the queue's unit; null/null with failedJobs > 0: unknown, so everywhere. */
  failedFrom: number | null;
  failedTo: number | null;
}

/** The queue's watermark, or undefined if no worker has recorded one yet. */
export async function watermarkOf(db: Kysely<Database>, queue: QueueName): Promise<Watermark | undefined> {
  const row = await db.selectFrom("fold_watermarks").select(["as_of", "failed_jobs", "failed_from", "failed_to"]).where("queue", "=", queue).executeTakeFirst();
  return (
    row && {
      asOf: row.as_of,
      failedJobs: row.failed_jobs,
      failedFrom: row.failed_from === null ? null : Number(row.failed_from),
      failedTo: row.failed_to === null ? null : Number(row.failed_to),
    }
  );
}

/** Whether a failed job may hold events of [start, end) (in the queue's unit). */
export function failedJobsTouch(mark: Watermark, start: number, end: number): boolean {
  if (mark.failedJobs === 0) return false;
  if (mark.failedFrom === null || mark.failedTo === null) return true;
  return mark.failedFrom < end && mark.failedTo >= start;
}

/** Freshness of an answer about [start, end) (epoch ms): complete once folded past `end` with no failed job in it. */
export function freshness(mark: Watermark | undefined, start: Date, end: Date): { asOf: string | null; complete: boolean; failedJobs: number } {
  return {
    asOf: mark?.asOf.toISOString() ?? null,
    complete: mark !== undefined && end <= mark.asOf && !failedJobsTouch(mark, start.getTime(), end.getTime()),
    failedJobs: mark?.failedJobs ?? 0,
  };
}
