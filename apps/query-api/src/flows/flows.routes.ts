import type { Database } from "@tally/shared/db";
import { ExactInteger, parseOrThrow, route, sendExactJson } from "@tally/shared/http";
import type { Router } from "express";
import type { Kysely } from "kysely";
import { failedJobsTouch, watermarkOf } from "../freshness.js";
import { encodeCursor } from "./cursor.js";
import type { z } from "zod";
import { flowsQuery, type flowsPageResponse } from "./flows-query.schema.js";
import { flowKeyCount, flowRows, type FlowRollupRow } from "./flows.repository.js";

function toItem(r: FlowRollupRow) {
  return { src_app: r.src_app, dest_app: r.dest_app, vpc_id: r.vpc_id, hour: Number(r.hour), bytes_tx: new ExactInteger(r.bytes_tx), bytes_rx: new ExactInteger(r.bytes_rx) };
}

/** `GET /v1/flows`, and `GET /flows` where the seed's clients read them. */
export function flowsRoutes(router: Router, db: Kysely<Database>): void {
  route(router, ["/v1/flows", "/flows"], {
    get: async (req, res) => {
      const q = parseOrThrow(flowsQuery, req.query);
      const page = q.page ?? 1;
      const from = q.cursor ? { after: q.cursor } : { offset: (page - 1) * q.size };
      // One row more than asked tells whether a next page exists without another query.
      const [rows, total, mark] = await Promise.all([flowRows(db, q.hour, from, q.size + 1), flowKeyCount(db, q.hour), watermarkOf(db, "flows")]);
      const items = rows.slice(0, q.size).map(toItem);
      const last = items.at(-1);
      const nextCursor =
        rows.length > q.size && last ? encodeCursor({ hour: q.hour, srcApp: last.src_app, destApp: last.dest_app, vpcId: last.vpc_id }) : null;
      const body: z.input<typeof flowsPageResponse> = {
        items,
        total,
        ...(q.cursor ? {} : { page }),
        size: q.size,
        nextCursor,
        // An hour number says nothing of when its flows were sent, so no "complete" by time; but a failed
        // job carrying flows of this hour does say the numbers are short.
        asOf: mark?.asOf.toISOString() ?? null,
        failedJobs: mark?.failedJobs ?? 0,
        failedJobsInHour: mark ? failedJobsTouch(mark, q.hour, q.hour + 1) : false,
      };
      sendExactJson(res, body);
    },
  });
}
