import { randomUUID } from "node:crypto";
import type { Database } from "@tally/shared/db";
import { sql, type Kysely } from "kysely";

/** A product as posted: an object with an `id`, or its raw JSON text (to write what JSON.stringify would not). */
export type PostedProduct = { id: string | number; [field: string]: unknown } | string;

export interface StageOptions {
  /** false leaves accepted_seq null: a row ingest never commits, but the worker must ignore. */
  accepted?: boolean;
  /** Products per staged chunk; ingest closes a chunk at 2000 products or 2 MB. */
  perChunk?: number;
  /** The body's digest, as ingest records it at acceptance. */
  digest?: string;
  /** Its acceptance number; by default the next of a local sequence (small numbers, like old uploads). */
  seq?: number;
}

/**
 * Stages an upload the way the ingest API does, in one transaction: the upload row, its products as
 * posted in chunks (each a JSON array text, with the body position of its first product), and, when
 * the body is accepted, its number from the acceptance sequence, its acceptance time and its count.
 */
export async function stageUpload(db: Kysely<Database>, products: readonly PostedProduct[], { accepted = true, perChunk = 2000, digest, seq }: StageOptions = {}) {
  const uploadId = randomUUID();
  const documents = products.map((p) => (typeof p === "string" ? p : JSON.stringify(p)));
  await db.transaction().execute(async (trx) => {
    await trx.insertInto("product_uploads").values({ upload_id: uploadId }).execute();
    for (let first = 0; first < documents.length; first += perChunk) {
      const chunk = documents.slice(first, first + perChunk);
      await trx.insertInto("product_staging").values({ upload_id: uploadId, first_position: first, documents: `[${chunk.join(",")}]` }).execute();
    }
    if (accepted) {
      await sql`
        UPDATE product_uploads
        SET accepted_seq = ${seq === undefined ? sql`nextval('product_acceptance_seq')` : String(seq)}, accepted_at = now(), products = ${documents.length}, body_digest = ${digest ?? null}
        WHERE upload_id = ${uploadId}`.execute(trx);
    }
  });
  return uploadId;
}
