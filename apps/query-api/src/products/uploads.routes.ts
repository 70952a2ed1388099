import type { Database } from "@tally/shared/db";
import { notFound, route } from "@tally/shared/http";
import type { Router } from "express";
import type { Kysely } from "kysely";
import { z } from "zod";
import { findAcceptedUpload } from "./uploads.repository.js";
import type { UploadStatus } from "./uploads.schema.js";

const uploadId = z.uuid();

/**
 * `GET /v1/products/uploads/:id`: where an accepted upload stands, the URL its 202 named in `Location`.
 * An id that is not a UUID names no upload: 404, like an unknown one.
 */
export function uploadsRoutes(router: Router, db: Kysely<Database>): void {
  route(router, "/v1/products/uploads/:id", {
    get: async (req, res) => {
      const id = uploadId.safeParse(req.params.id);
      const row = id.success ? await findAcceptedUpload(db, id.data) : undefined;
      if (!id.success || !row?.accepted_at) throw notFound(`no accepted upload with id ${JSON.stringify(req.params.id)}`);
      const body: UploadStatus = {
        id: id.data,
        status: row.applied_at ? "applied" : row.failed_at ? "failed" : "pending",
        products: Number(row.products),
        acceptedAt: row.accepted_at.toISOString(),
        appliedAt: row.applied_at?.toISOString() ?? null,
        failedAt: row.failed_at?.toISOString() ?? null,
        reason: row.failure,
      };
      res.json(body);
    },
  });
}
