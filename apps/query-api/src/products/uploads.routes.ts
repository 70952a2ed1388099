import type { Database } from "@tally/shared/db";
import { notFound, route } from "@tally/shared/http";
import type { Router } from "express";
import type { Kysely } from "kysely";
import { z } from "zod";
import type { PendingUploads } from "./pending-upload.js";
import { findAcceptedUpload, type UploadRow } from "./uploads.repository.js";
import type { UploadStatus } from "./uploads.schema.js";

const uploadId = z.uuid();

/**
 * `GET /v1/products/uploads/:id`: where an accepted upload stands, the URL its 202 named in `Location`.
 * A staged (large) upload has its row from acceptance on; a fast-path (small) one only once a worker
 * has applied it or given up on it, and is pending meanwhile (ingest's mark in Redis). Postgres is
 * asked again after a miss in Redis: a worker may have recorded the upload (and deleted its mark) in between.
 * An id that is not a UUID names no upload: 404, like an unknown one.
 */
export function uploadsRoutes(router: Router, db: Kysely<Database>, pendingUploads: PendingUploads): void {
  route(router, "/v1/products/uploads/:id", {
    get: async (req, res) => {
      const id = uploadId.safeParse(req.params.id);
      if (!id.success) throw notFound(`no accepted upload with id ${JSON.stringify(req.params.id)}`);
      const row = await findAcceptedUpload(db, id.data);
      if (row?.accepted_at) return res.json(statusOf(id.data, row, row.accepted_at));
      const pending = await pendingUploads(id.data);
      if (pending) return res.json(statusOf(id.data, { products: String(pending.products), accepted_at: null, applied_at: null, failed_at: null, failure: null }, new Date(pending.acceptedAt)));
      const settled = await findAcceptedUpload(db, id.data);
      if (settled?.accepted_at) return res.json(statusOf(id.data, settled, settled.accepted_at));
      throw notFound(`no accepted upload with id ${JSON.stringify(req.params.id)}`);
    },
  });
}

function statusOf(id: string, row: UploadRow, acceptedAt: Date): UploadStatus {
  return {
    id,
    status: row.applied_at ? "applied" : row.failed_at ? "failed" : "pending",
    products: Number(row.products),
    acceptedAt: acceptedAt.toISOString(),
    appliedAt: row.applied_at?.toISOString() ?? null,
    failedAt: row.failed_at?.toISOString() ?? null,
    reason: row.failure,
  };
}
