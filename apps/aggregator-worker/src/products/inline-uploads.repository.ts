import type { Database } from "@tally/shared/db";
import type { InlineUpload } from "@tally/shared/jobs";
import { sql, type Kysely } from "kysely";

/**
 * Applies fast-path uploads in one statement, so one transaction however many: records each upload
 * (accepted and applied, with the number and time Redis gave it at acceptance) and upserts its
 * products, versioned (acceptance number, position) exactly as staged uploads are. Only uploads
 * recorded by this statement write products: a job delivered again, or an upload already ended
 * (failed), changes nothing. Across the batch, each id keeps only its latest version (later accepted
 * upload, then later element), and a stored document is replaced only by a strictly greater one, so
 * batches, staged chunks and replays may land in any order. Ids are upserted in sorted order, so
 * concurrent workers lock rows in one order. Returns how many uploads this call applied.
 */
export async function applyInlineUploads(db: Kysely<Database>, uploads: readonly InlineUpload[]): Promise<number> {
  const { rows } = await sql<{ applied: string }>`
    WITH u AS (
      SELECT * FROM unnest(
        ${uploads.map((u) => u.uploadId)}::uuid[], ${uploads.map((u) => String(u.acceptedSeq))}::bigint[],
        ${uploads.map((u) => new Date(u.acceptedAt).toISOString())}::timestamptz[], ${uploads.map((u) => String(u.products))}::bigint[],
        ${uploads.map((u) => u.digest)}::text[], ${uploads.map((u) => u.documents)}::text[]
      ) AS u(upload_id, accepted_seq, accepted_at, products, body_digest, documents)
    ),
    fresh AS (
      INSERT INTO product_uploads (upload_id, accepted_seq, accepted_at, products, body_digest, applied_at)
      SELECT upload_id, accepted_seq, accepted_at, products, body_digest, now() FROM u
      ON CONFLICT DO NOTHING
      RETURNING upload_id
    ),
    written AS (
      INSERT INTO products AS p (id, data, updated_at, upload_seq, position)
      SELECT DISTINCT ON (e.product_id) e.product_id, e.document, u.accepted_at, u.accepted_seq, e.position
      FROM u
      JOIN fresh ON fresh.upload_id = u.upload_id
      CROSS JOIN LATERAL (
        SELECT
          CASE jsonb_typeof(d -> 'id') WHEN 'number' THEN (d -> 'id')::bigint::text ELSE d ->> 'id' END AS product_id,
          d AS document,
          i - 1 AS position
        FROM jsonb_array_elements(u.documents::jsonb) WITH ORDINALITY AS el(d, i)
      ) e
      ORDER BY e.product_id, u.accepted_seq DESC, e.position DESC
      ON CONFLICT (id) DO UPDATE
        SET data = excluded.data, updated_at = excluded.updated_at, upload_seq = excluded.upload_seq, position = excluded.position
        WHERE (p.upload_seq, p.position) < (excluded.upload_seq, excluded.position)
    )
    SELECT count(*) AS applied FROM fresh
  `.execute(db);
  return Number(rows[0]?.applied ?? 0);
}

/**
 * Records a fast-path upload that can never be applied as failed, with `reason`, unless it is
 * recorded already (applied, or failed before). Returns whether this call recorded it.
 */
export async function recordInlineUploadFailed(db: Kysely<Database>, upload: InlineUpload, reason: string): Promise<boolean> {
  const result = await db
    .insertInto("product_uploads")
    .values({
      upload_id: upload.uploadId,
      accepted_seq: String(upload.acceptedSeq),
      accepted_at: new Date(upload.acceptedAt),
      products: String(upload.products),
      body_digest: upload.digest,
      failed_at: new Date(),
      failure: reason,
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}
