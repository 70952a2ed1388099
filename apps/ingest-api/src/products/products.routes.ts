import { randomUUID } from "node:crypto";
import type { Database } from "@tally/shared/db";
import { HttpError, route, serviceUnavailable, unsupportedMediaType } from "@tally/shared/http";
import type { Logger } from "@tally/shared/logger";
import type { Request, RequestHandler, Router } from "express";
import type { Kysely } from "kysely";
import { bodyFormat } from "../body/read-json-body.js";
import type { IngestMetrics } from "../metrics.js";
import { shedLoad, type IngestQueues } from "../queues.js";
import type { BodyDigests } from "./body-digests.js";
import { readProducts, type ProductsLimits } from "./read-products.js";
import { insertUpload, markAccepted, stageProducts } from "./staging.repository.js";

export interface ProductsRoutesDeps {
  db: Kysely<Database>;
  queues: IngestQueues;
  metrics: IngestMetrics;
  digests: BodyDigests;
  limits: ProductsLimits;
  maxBacklog: number;
  logger: Logger;
}

/**
 * `POST /v1/products`: a catalogue update of any size, refused (403) if the same bytes were accepted
 * less than the window ago anywhere in the cluster.
 *
 * The body streams into a staging transaction. Only once it has been read whole and found valid is
 * its digest claimed; only a successful claim lets the transaction commit, and only a commit confirms
 * the claim. So an accepted body is durable before 202 (a worker applies it even if its job never
 * arrives: the sweep), while a refused, invalid or abandoned one leaves no rows and no window.
 */
export function productsRoutes(router: Router, { db, queues, metrics, digests, limits, maxBacklog, logger }: ProductsRoutesDeps): void {
  const accept: RequestHandler = async (req, res) => {
    checkHeaders(req, limits);
    const uploadId = randomUUID();
    let claimed: string | undefined;
    let count: number;
    try {
      count = await db.transaction().execute(async (trx) => {
        await insertUpload(trx, uploadId);
        const body = await readProducts(req, limits, (batch) => stageProducts(trx, uploadId, batch));
        const acceptedAt = await digests.claim(body.digest, uploadId);
        claimed = body.digest;
        await markAccepted(trx, uploadId, acceptedAt, body.count);
        return body.count;
      });
    } catch (error) {
      if (claimed) await digests.release(claimed, uploadId).catch((err: unknown) => logger.warn({ err }, "could not release a claim"));
      // An answer before the whole body was read: the rest cannot be skipped on this connection.
      if (!req.complete) res.setHeader("Connection", "close");
      throw asHttpError(error, req, queues);
    }
    // Committed: accepted, whatever happens next. A lost confirm or job only delays or weakens, never loses.
    const confirmed = await digests.confirm(claimed!, uploadId).catch(() => false);
    if (!confirmed) logger.warn({ uploadId }, "accepted upload's window could not be recorded");
    await queues.products.add("products", { uploadId }, { jobId: uploadId }).catch((err: unknown) => {
      logger.warn({ err, uploadId }, "could not queue an accepted upload; the worker's sweep will apply it");
    });
    metrics.accepted.inc({ kind: "products" }, count);
    res.status(202).json({ accepted: count });
  };

  route(router, "/v1/products", { post: [shedLoad(queues, queues.products, maxBacklog), accept] });
}

function checkHeaders(req: Request, limits: ProductsLimits): void {
  const type = req.headers["content-type"];
  if (bodyFormat(type) !== "json") throw unsupportedMediaType(type ?? "");
  const encoding = req.headers["content-encoding"];
  if (encoding !== undefined && encoding !== "identity") throw unsupportedMediaType(`${type ?? ""}; encoding ${encoding}`);
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limits.maxBodyBytes) {
    // Answered without reading the body, so this connection cannot carry another request.
    throw new HttpError(413, "Payload too large", `the body is over the limit of ${limits.maxBodyBytes} bytes (MAX_PRODUCTS_BODY_BYTES)`, {
      headers: { Connection: "close" },
    });
  }
}

function asHttpError(error: unknown, req: Request, queues: IngestQueues): unknown {
  if (error instanceof HttpError) return error;
  if (!req.complete) return new HttpError(400, "Incomplete body", "the request ended before its body did");
  if (!queues.connected()) return serviceUnavailable("the dedup record (Redis) is not reachable; nothing was accepted, try again");
  return error;
}
