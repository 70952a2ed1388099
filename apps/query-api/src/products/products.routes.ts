import type { Database } from "@tally/shared/db";
import { notFound, parseOrThrow, route } from "@tally/shared/http";
import { MAX_PRODUCT_ID_LENGTH } from "@tally/shared/schemas";
import type { Router } from "express";
import type { Kysely } from "kysely";
import { z } from "zod";
import { findProduct } from "./products.repository.js";

/** `:id` as ingest accepts it: the string, or the integer in decimal (`/v1/products/1` is 1 and "1"). */
const productParams = z.object({
  id: z.string().min(1).max(MAX_PRODUCT_ID_LENGTH, { error: `must be at most ${MAX_PRODUCT_ID_LENGTH} characters` }),
});

/** `GET /v1/products/:id`: the product's current document, the id as it was posted, and when it was accepted. */
export function productsRoutes(router: Router, db: Kysely<Database>): void {
  route(router, "/v1/products/:id", {
    get: async (req, res) => {
      const { id } = parseOrThrow(productParams, req.params);
      const product = await findProduct(db, id);
      if (!product) throw notFound(`no product with id ${JSON.stringify(id)}`);
      // Spliced from the stored JSON text rather than parsed and re-serialised: a document may hold
      // numbers past 2^53 (kept exactly by jsonb) and may be megabytes long.
      const idJson = product.idJson ?? JSON.stringify(id);
      res.type("application/json").send(`{"id":${idJson},"data":${product.dataJson},"updatedAt":${JSON.stringify(product.updatedAt.toISOString())}}`);
    },
  });
}
