import type { Database } from "@tally/shared/db";
import { sql, type Kysely } from "kysely";

/** A product as stored, its JSON still text: jsonb keeps numbers exactly, JSON.parse would round big ones. */
export interface ProductRow {
  /** `data.id` as JSON text (`1` or `"1"`); null only if a document somehow had no id. */
  idJson: string | null;
  dataJson: string;
  updatedAt: Date;
}

/** The current document of a product, by its id as text (integer ids in decimal), or undefined. */
export async function findProduct(db: Kysely<Database>, id: string): Promise<ProductRow | undefined> {
  return db
    .selectFrom("products")
    .select([sql<string | null>`(data -> 'id')::text`.as("idJson"), sql<string>`data::text`.as("dataJson"), "updated_at as updatedAt"])
    .where("id", "=", id)
    .executeTakeFirst();
}
