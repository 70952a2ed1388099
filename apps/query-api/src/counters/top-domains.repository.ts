import type { Database } from "@tally/shared/db";
import { ExactInteger } from "@tally/shared/http";
import type { Kysely } from "kysely";
import type { WindowKind } from "./windows.js";

export interface DomainRequests {
  domain: string;
  /** Exact: a sum (numeric) that may pass 2^53. */
  requests: ExactInteger;
}

/**
 * The `limit` domains with the most requests in the window starting at `start`, ties by name.
 * Reads the first entries of the (bucket, requests DESC, domain) index: no sort over every domain.
 */
export async function topDomains(db: Kysely<Database>, kind: WindowKind, start: Date, limit: number): Promise<DomainRequests[]> {
  const rows =
    kind === "minute"
      ? await db
          .selectFrom("domain_minute")
          .select(["domain", "requests"])
          .where("minute", "=", start)
          .orderBy("requests", "desc")
          .orderBy("domain")
          .limit(limit)
          .execute()
      : await db
          .selectFrom("domain_hour")
          .select(["domain", "requests"])
          .where("hour", "=", start)
          .orderBy("requests", "desc")
          .orderBy("domain")
          .limit(limit)
          .execute();
  return rows.map((r) => ({ domain: r.domain, requests: new ExactInteger(r.requests) }));
}
