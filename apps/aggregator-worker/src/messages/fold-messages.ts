import type { Database } from "@tally/shared/db";
import type { MessagesJob } from "@tally/shared/jobs";
import type { Kysely } from "kysely";
import type { FoldResult } from "../batch-worker.js";
import { countNewMessages, type MessageRow } from "./messages.repository.js";

/**
 * Flattens a batch of jobs into rollup rows, keeping the first occurrence of each uuid (the first
 * one wins, SPEC §3; the ledger also needs each uuid once per statement).
 */
export function toMessageRows(jobs: readonly MessagesJob[]): MessageRow[] {
  const rows = new Map<string, MessageRow>();
  for (const job of jobs) {
    const quarter = new Date(job.quarter).toISOString();
    for (const m of job.messages) {
      const uuid = m.uuid.toLowerCase();
      if (!rows.has(uuid)) rows.set(uuid, { uuid, customer_id: m.customerId, type: m.type, amount: m.amount, quarter });
    }
  }
  return [...rows.values()];
}

/** Folds a batch of messages jobs into the rollup, exactly once per uuid: counts new and repeated uuids. */
export async function foldMessages(db: Kysely<Database>, jobs: readonly MessagesJob[]): Promise<FoldResult> {
  const rows = toMessageRows(jobs);
  const fresh = await countNewMessages(db, rows);
  return { folded: fresh, skipped: jobs.reduce((n, j) => n + j.messages.length, 0) - fresh };
}
