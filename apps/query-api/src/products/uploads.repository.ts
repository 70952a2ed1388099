import type { Database } from "@tally/shared/db";
import type { Kysely } from "kysely";

export interface UploadRow {
  products: string;
  accepted_at: Date | null;
  applied_at: Date | null;
  failed_at: Date | null;
  failure: string | null;
}

/** An accepted upload's outcome so far, or undefined (no such upload, or one never accepted). */
export async function findAcceptedUpload(db: Kysely<Database>, uploadId: string): Promise<UploadRow | undefined> {
  return db
    .selectFrom("product_uploads")
    .select(["products", "accepted_at", "applied_at", "failed_at", "failure"])
    .where("upload_id", "=", uploadId)
    .where("accepted_seq", "is not", null)
    .executeTakeFirst();
}
