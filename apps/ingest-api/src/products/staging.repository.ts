import type { Database } from "@tally/shared/db";
import { sql, type Kysely, type Transaction } from "kysely";
import type { Claim } from "./body-digests.js";
import type { StagedChunk } from "./read-products.js";

/** Opens an upload; it and its staged products exist for others only if the transaction commits. */
export async function insertUpload(trx: Transaction<Database>, uploadId: string): Promise<void> {
  // Each staged chunk is a parameter of about a megabyte. A custom plan (Postgres's choice for a
  // statement prepared unnamed) copies it twice more, into the plan's constant and again while folding
  // it, each copy into fresh memory; a generic plan reads the parameter where it was received. On a
  // machine where fresh pages fault slowly, the staging backend's CPU for a 2 GiB body fell from 29 s
  // to 2.7 s. Only this transaction's statements are affected.
  await sql`set local plan_cache_mode = force_generic_plan`.execute(trx);
  await trx.insertInto("product_uploads").values({ upload_id: uploadId }).execute();
}

/** Stages a chunk of consecutive products as one row: their exact JSON, as one array. */
export async function stageProducts(trx: Transaction<Database>, uploadId: string, { firstPosition, json }: StagedChunk): Promise<void> {
  await trx.insertInto("product_staging").values({ upload_id: uploadId, first_position: firstPosition, documents: json }).execute();
}

/**
 * Marks the upload accepted with the number its claim took (Redis's acceptance number, shared with the
 * fast path, so uploads are numbered in the order they were accepted whichever path they took, not the
 * order they started). The body's digest goes with it: a worker that cannot apply the upload releases
 * the body's window by it.
 */
export async function markAccepted(trx: Transaction<Database>, uploadId: string, claim: Claim, products: number, digest: string): Promise<void> {
  await trx
    .updateTable("product_uploads")
    .set({ accepted_seq: String(claim.seq), accepted_at: new Date(claim.at), products, body_digest: digest })
    .where("upload_id", "=", uploadId)
    .execute();
}

/** How many products an upload holds, if it has been accepted (committed); undefined otherwise. */
export async function acceptedProducts(db: Kysely<Database>, uploadId: string): Promise<number | undefined> {
  const row = await db.selectFrom("product_uploads").select("products").where("upload_id", "=", uploadId).where("accepted_seq", "is not", null).executeTakeFirst();
  return row && Number(row.products);
}
