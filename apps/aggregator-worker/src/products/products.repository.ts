import type { Database } from "@tally/shared/db";
import { sql, type Kysely } from "kysely";

/** Where an upload stands: ingest commits an upload accepted, a worker ends it applied or failed. */
export interface UploadState {
  accepted: boolean;
  applied: boolean;
  failed: boolean;
  /** The SHA-256 of its body (or canonical form), whose window it holds; null on rows from before 0009. */
  digest: string | null;
}

/**
 * Whether the upload was accepted, applied or failed, or undefined if there is no such row. Ingest
 * commits only accepted uploads, so an unaccepted row should not exist; if one does, it is not ours to apply.
 */
export async function findUpload(db: Kysely<Database>, uploadId: string): Promise<UploadState | undefined> {
  const row = await db
    .selectFrom("product_uploads")
    .select(["accepted_seq", "accepted_at", "applied_at", "failed_at", "body_digest"])
    .where("upload_id", "=", uploadId)
    .executeTakeFirst();
  return row && { accepted: row.accepted_seq !== null && row.accepted_at !== null, applied: row.applied_at !== null, failed: row.failed_at !== null, digest: row.body_digest };
}

/**
 * Where the upload's next staged chunk starts, after position `after`, or undefined when none is left
 * (all applied, or another worker has applied the upload and deleted its staging meanwhile).
 */
export async function nextStagedChunk(db: Kysely<Database>, uploadId: string, after: number): Promise<number | undefined> {
  const row = await db
    .selectFrom("product_staging")
    .select("first_position")
    .where("upload_id", "=", uploadId)
    .where("first_position", ">", String(after))
    .orderBy("first_position")
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.first_position);
}

/**
 * Moves one staged chunk (a JSON array text, its first element at `firstPosition`) into `products`:
 * deletes it from staging and upserts its products in one statement, so one transaction however large
 * the upload. Each chunk is applied once: an applier that reaches a chunk another is applying waits for
 * its row lock, then finds it gone and writes nothing. So two appliers of one upload (its job and the
 * sweep, once a large upload outlasts the sweep's grace) share its chunks instead of each parsing all
 * of them, and a crash part way leaves only the chunks not yet applied.
 *
 * A product's id is its `id` as text, an integer in canonical decimal whatever its spelling (`1`, `1.0`,
 * `1e0` are all "1"), so the integer 1 and the string "1" are one product, as ingest's schema says. A
 * document's version is (accepted_seq, position), read from the upload row (so an upload never accepted
 * writes nothing, and updated_at is accepted_at to the microsecond): within the chunk only the last
 * element of each id is kept, and a stored document is replaced only by a strictly greater version. So
 * uploads and chunks may be applied in any order and concurrently: the later accepted body wins, within
 * it the later element. Ids are upserted in sorted order so concurrent workers lock rows in the same
 * order. Returns how many products were written.
 */
export async function applyStagedChunk(db: Kysely<Database>, uploadId: string, firstPosition: number): Promise<number> {
  const result = await sql`
    WITH taken AS (
      DELETE FROM product_staging s
      USING product_uploads u
      WHERE s.upload_id = ${uploadId} AND s.first_position = ${firstPosition}
        AND u.upload_id = s.upload_id AND u.accepted_seq IS NOT NULL AND u.accepted_at IS NOT NULL
      RETURNING s.first_position, s.documents, u.accepted_at, u.accepted_seq
    )
    INSERT INTO products AS p (id, data, updated_at, upload_seq, position)
    SELECT DISTINCT ON (e.product_id) e.product_id, e.document, s.accepted_at, s.accepted_seq, e.position
    FROM taken s
    CROSS JOIN LATERAL (
      SELECT
        CASE jsonb_typeof(d -> 'id') WHEN 'number' THEN (d -> 'id')::bigint::text ELSE d ->> 'id' END AS product_id,
        d AS document,
        s.first_position + i - 1 AS position
      FROM jsonb_array_elements(s.documents::jsonb) WITH ORDINALITY AS el(d, i)
    ) e
    ORDER BY e.product_id, e.position DESC
    ON CONFLICT (id) DO UPDATE
      SET data = excluded.data, updated_at = excluded.updated_at, upload_seq = excluded.upload_seq, position = excluded.position
      WHERE (p.upload_seq, p.position) < (excluded.upload_seq, excluded.position)
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Marks the upload applied (keeping the first time if it already was) and deletes what is left of its
 * staging (nothing, once every chunk has been applied), in one statement so one transaction. Call only
 * once every chunk has been applied. Returns whether this call was the one that marked it.
 */
export async function markUploadApplied(db: Kysely<Database>, uploadId: string): Promise<boolean> {
  const { rows } = await sql<{ marked: string }>`
    WITH marked AS (
      UPDATE product_uploads SET applied_at = now()
      WHERE upload_id = ${uploadId} AND applied_at IS NULL
      RETURNING upload_id
    ),
    unstaged AS (
      DELETE FROM product_staging WHERE upload_id = ${uploadId}
    )
    SELECT count(*) AS marked FROM marked
  `.execute(db);
  return Number(rows[0]?.marked ?? 0) > 0;
}

/**
 * Ends an upload that can never be applied: marks it failed with `reason` (unless it already ended)
 * and deletes its staging, in one statement. Returns the body's digest if this call ended it, so the
 * caller can release the body's window; undefined if it had already ended.
 */
export async function markUploadFailed(db: Kysely<Database>, uploadId: string, reason: string): Promise<{ digest: string | null } | undefined> {
  const { rows } = await sql<{ body_digest: string | null }>`
    WITH failed AS (
      UPDATE product_uploads SET failed_at = now(), failure = ${reason}
      WHERE upload_id = ${uploadId} AND applied_at IS NULL AND failed_at IS NULL
      RETURNING body_digest
    ),
    unstaged AS (
      DELETE FROM product_staging WHERE upload_id = ${uploadId} AND EXISTS (SELECT 1 FROM failed)
    )
    SELECT body_digest FROM failed
  `.execute(db);
  return rows[0] && { digest: rows[0].body_digest };
}

/**
 * Accepted uploads neither applied nor failed, accepted before `acceptedBefore`, in acceptance order
 * from just after `afterSeq`, at most `limit` (read from the partial index on such uploads). Walking
 * on from where the last call ended reaches every pending upload in turn, however many are slow.
 */
export async function listUnappliedUploads(db: Kysely<Database>, acceptedBefore: Date, limit: number, afterSeq = 0): Promise<{ uploadId: string; seq: number }[]> {
  const rows = await db
    .selectFrom("product_uploads")
    .select(["upload_id", "accepted_seq"])
    .where("applied_at", "is", null)
    .where("failed_at", "is", null)
    .where("accepted_seq", ">", String(afterSeq))
    .where("accepted_at", "<", acceptedBefore)
    .orderBy("accepted_seq")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ uploadId: r.upload_id, seq: Number(r.accepted_seq) }));
}
