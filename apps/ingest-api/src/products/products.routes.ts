import { randomUUID } from "node:crypto";
import type { Database } from "@tally/shared/db";
import { HttpError, route, serviceUnavailable } from "@tally/shared/http";
import type { Logger } from "@tally/shared/logger";
import type { Request, RequestHandler, Router } from "express";
import type { Kysely } from "kysely";
import { meteredBody, type BodyLimits } from "../body/metered-body.js";
import { checkBodyHeaders, continueIfExpected } from "../body/read-json-body.js";
import type { IngestMetrics } from "../metrics.js";
import { shedLoad, type IngestQueues } from "../queues.js";
import type { BodyDigests } from "./body-digests.js";
import { readProducts } from "./read-products.js";
import { insertUpload, markAccepted, stageProducts } from "./staging.repository.js";
import type { UploadSlots } from "./upload-slots.js";

export interface ProductsRoutesDeps {
  /** A pool for uploads alone, as large as `slots`: each upload holds one connection while it streams. */
  db: Kysely<Database>;
  slots: UploadSlots;
  queues: IngestQueues;
  metrics: IngestMetrics;
  digests: BodyDigests;
  body: BodyLimits;
  maxProductBytes: number;
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
 * arrives: the sweep), while a refused, invalid, abandoned or too slow one leaves no rows and no window.
 */
export function productsRoutes(router: Router, { db, slots, queues, metrics, digests, body, maxProductBytes, maxBacklog, logger }: ProductsRoutesDeps): void {
  const accept: RequestHandler = async (req, res) => {
    checkBodyHeaders(req, body, ["json"]);
    const release = slots.take();
    const uploadId = randomUUID();
    let claimed: string | undefined;
    let count: number;
    try {
      continueIfExpected(req, res);
      const chunks = meteredBody(req.iterator({ destroyOnReturn: false }), body);
      count = await db.transaction().execute(async (trx) => {
        await insertUpload(trx, uploadId);
        const read = await readProducts(chunks, { maxProductBytes }, (batch) => stageProducts(trx, uploadId, batch));
        const acceptedAt = await digests.claim(read.digest, uploadId);
        claimed = read.digest;
        await markAccepted(trx, uploadId, acceptedAt, read.count, read.digest);
        return read.count;
      });
    } catch (error) {
      if (claimed) await digests.release(claimed, uploadId).catch((err: unknown) => logger.warn({ err }, "could not release a claim"));
      throw asHttpError(error, req, queues);
    } finally {
      release();
    }
    // Committed: accepted, whatever happens next. A lost confirm or job only delays or weakens, never loses.
    const confirmed = await digests.confirm(claimed!, uploadId).catch(() => false);
    if (!confirmed) logger.warn({ uploadId }, "accepted upload's window could not be recorded");
    await queues.products.add("products", { uploadId }, { jobId: uploadId }).catch((err: unknown) => {
      logger.warn({ err, uploadId }, "could not queue an accepted upload; the worker's sweep will apply it");
    });
    metrics.accepted.inc({ kind: "products" }, count);
    // Where the query API tells whether the upload is applied yet, or why it failed.
    res.status(202).location(`/v1/products/uploads/${uploadId}`).json({ accepted: count });
  };

  route(router, "/v1/products", { post: [shedLoad(queues, queues.products, maxBacklog), accept] });
}

/** What went wrong as the client should hear it; a database error is left to the problem handler (503 if it may pass). */
function asHttpError(error: unknown, req: Request, queues: IngestQueues): unknown {
  if (error instanceof HttpError) return error;
  if (req.readableAborted || (error as { code?: unknown }).code === "ECONNRESET") return new HttpError(400, "Incomplete body", "the request ended before its body did");
  if (!queues.connected()) return serviceUnavailable("the dedup record (Redis) is not reachable; nothing was accepted, try again");
  return error;
}
