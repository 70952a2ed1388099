import type { Database } from "@tally/shared/db";
import { notFound, parseOrThrow, route } from "@tally/shared/http";
import type { Router } from "express";
import type { Kysely } from "kysely";
import { findProduct } from "./products.repository.js";
import { productParams } from "./products.schema.js";

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
