import type { Database } from "@tally/shared/db";
import type { QueueName } from "@tally/shared/queues";
import type { Kysely } from "kysely";
import { z } from "zod";

/** `asOf` and `complete` as every stats answer carries them. */
export const freshnessFields = {
  asOf: z.iso.datetime().nullable().meta({ description: "every event accepted before this time is counted; null before any worker has run" }),
  complete: z.boolean().meta({ description: "whether the interval ended before asOf: a final number, not a provisional one" }),
};

/**
 * The time up to which a queue's accepted events are all folded in, as the workers last recorded it,
 * or undefined if no worker has yet.
 */
export async function foldedUpTo(db: Kysely<Database>, queue: QueueName): Promise<Date | undefined> {
  const row = await db.selectFrom("fold_watermarks").select("as_of").where("queue", "=", queue).executeTakeFirst();
  return row?.as_of;
}

/** Freshness of an answer about an interval ending at `end`. */
export function freshness(asOf: Date | undefined, end: Date): { asOf: string | null; complete: boolean } {
  return { asOf: asOf?.toISOString() ?? null, complete: asOf !== undefined && end <= asOf };
}
