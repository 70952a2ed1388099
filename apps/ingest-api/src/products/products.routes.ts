import { randomUUID } from "node:crypto";
import type { Database } from "@tally/shared/db";
import { HttpError, route, serviceUnavailable } from "@tally/shared/http";
import type { Logger } from "@tally/shared/logger";
import type { Request, RequestHandler, Response, Router } from "express";
import type { Kysely, Transaction } from "kysely";
import { meteredBody, readMeteredBody, type BodyLimits } from "../body/metered-body.js";
import { checkBodyHeaders, continueIfExpected } from "../body/read-json-body.js";
import { idempotencyKeyOf, requestFingerprint } from "../idempotency/idempotency-key.js";
import type { IdempotencyRecords, StoredAnswer } from "../idempotency/idempotency-records.js";
import { claimKey, keepAnswer, keepRefusal, sendStored, type Answer, type KeyHold } from "../idempotency/respond-once.js";
import type { IngestMetrics } from "../metrics.js";
import { unconfirmedJobKeys, type IngestQueues } from "../queues.js";
import { shedLoad } from "../shed-load.js";
import type { BodyDigests } from "./body-digests.js";
import { readProducts, readWholeProducts } from "./read-products.js";
import { acceptedProducts, insertUpload, markAccepted, stageProducts } from "./staging.repository.js";
import type { UploadSlots } from "./upload-slots.js";

export interface ProductsRoutesDeps {
  records: IdempotencyRecords;
  /** A pool for uploads alone, as large as `slots`: each upload holds one connection while it streams. */
  db: Kysely<Database>;
  slots: UploadSlots;
  queues: IngestQueues;
  metrics: IngestMetrics;
  digests: BodyDigests;
  body: BodyLimits;
  maxProductBytes: number;
  /** Bodies whose Content-Length is at most this take the fast path (PRODUCTS_FAST_PATH_BYTES); 0: none. */
  fastPathBytes: number;
  /** What makes two bodies identical (PRODUCTS_DEDUP): their bytes, or their canonical JSON. */
  dedup: "bytes" | "json";
  maxBacklog: number;
  logger: Logger;
}

/**
 * `POST /v1/products`: a catalogue update of any size, refused (403) if the same body (its bytes, or
 * with PRODUCTS_DEDUP=json its canonical JSON) was accepted less than the window ago anywhere in the
 * cluster, on either path. A small body takes the fast path (`acceptSmall`, through Redis); a large
 * one, a chunked one or a keyed one streams into a staging transaction, as follows.
 *
 * The body streams into a staging transaction. Only once it has been read whole and found valid is
 * its digest claimed; only a successful claim lets the transaction commit, and only a commit confirms
 * the claim. So an accepted body is durable before 202 (a worker applies it even if its job never
 * arrives: the sweep), while a refused, invalid, abandoned or too slow one leaves no rows and no window.
 * With an `Idempotency-Key`, the key is held once the body is read (its fingerprint needs the digest),
 * and a retry gets the first answer, the 202 included, not a 403 for its own repeated body.
 */
export function productsRoutes(router: Router, deps: ProductsRoutesDeps): void {
  const { db, slots, queues, records, metrics, digests, body, fastPathBytes, maxBacklog, logger } = deps;
  const limits = { maxProductBytes: deps.maxProductBytes, dedup: deps.dedup };
  const accept: RequestHandler = async (req, res) => {
    checkBodyHeaders(req, body, ["json"]);
    const key = idempotencyKeyOf(req);
    if (key === undefined && declaredLength(req) <= fastPathBytes) return acceptSmall(req, res);
    const release = slots.take();
    const uploadId = randomUUID();
    let claimed: string | undefined;
    let hold: KeyHold | undefined;
    let count: number;
    try {
      continueIfExpected(req, res);
      const chunks = meteredBody(req.iterator({ destroyOnReturn: false }), body);
      count = await db.transaction().execute(async (trx) => {
        await insertUpload(trx, uploadId);
        const read = await readProducts(chunks, limits, (batch) => stageProducts(trx, uploadId, batch));
        if (key !== undefined) hold = await holdKey(trx, key, requestFingerprint(req.method, req.path, read.digest), uploadId);
        const claim = await digests.claim(read.digest, uploadId);
        claimed = read.digest;
        await markAccepted(trx, uploadId, claim, read.count, read.digest);
        return read.count;
      });
    } catch (error) {
      if (error instanceof Replay) return sendStored(res, error.answer, true);
      // Past the claim, the error came from marking the upload accepted or from the commit, and a
      // commit Postgres wrote can still fail on its way back (the server dying in between). Releasing
      // the claim of an upload that did commit would let the same body be accepted a second time.
      const outcome = claimed ? await commitOutcome(uploadId) : "absent";
      if (typeof outcome !== "number") {
        // "unknown": the claim is left pending. If the upload did commit, the worker that applies it
        // confirms the claim's window; if not, the claim expires after a minute.
        if (claimed && outcome === "absent") await digests.release(claimed, uploadId).catch((err: unknown) => logger.warn({ err }, "could not release a claim"));
        const answer = asHttpError(error, req, queues);
        if (hold) await keepRefusal(records, hold, answer);
        throw answer;
      }
      logger.warn({ err: error, uploadId }, "an upload's commit was reported failed, but it committed: accepted");
      count = outcome;
    } finally {
      release();
    }
    // Committed: accepted, whatever happens next. A lost confirm or job only delays or weakens, never loses.
    await confirm(claimed!, uploadId);
    await queues.products.add("products", { uploadId }, { jobId: uploadId }).catch((err: unknown) => {
      logger.warn({ err, uploadId }, "could not queue an accepted upload; the worker's sweep will apply it");
    });
    metrics.accepted.inc({ kind: "products" }, count);
    const answer = accepted(uploadId, count);
    if (hold) return sendStored(res, await keepAnswer(records, hold, answer), false);
    res.status(answer.status).set(answer.headers).json(answer.body);
  };

  /**
   * The fast path: a body small enough to hold is read whole, checked exactly as a streamed one is,
   * claimed (the same digest record and the same acceptance numbering as the staged path), and queued
   * whole in a job (with the small uploads accepted at the same moment: one job, one BullMQ add for
   * many requests): accepted once the job is in Redis, no Postgres on the way. A failed enqueue
   * releases the claim and answers 503, so a body is either accepted with its job queued or leaves no
   * trace; an add that went unanswered is looked for first, and accepted if it landed after all. The
   * worker records the upload's row when it applies it (`GET /v1/products/uploads/{id}` answers
   * pending from the upload's pending mark in Redis meanwhile).
   */
  const acceptSmall = async (req: Request, res: Response) => {
    continueIfExpected(req, res);
    let read: { digest: string; count: number };
    let documents: string;
    try {
      const bytes = await readMeteredBody(req, body);
      read = await readWholeProducts(bytes, limits);
      // Found to be one JSON array of valid products, each strict UTF-8: the body is the upload's documents.
      documents = bytes.toString();
    } catch (error) {
      throw asHttpError(error, req, queues);
    }
    const uploadId = randomUUID();
    const claim = await digests.claim(read.digest, uploadId, { products: read.count });
    const upload = { uploadId, acceptedSeq: claim.seq, acceptedAt: claim.at, products: read.count, digest: read.digest, documents };
    try {
      await queues.enqueue.products(upload, claim.marked);
    } catch (error) {
      // An add that went out unanswered may land all the same (Redis paused, or its connection dropped
      // and ioredis resending it): releasing the claim then would let the same body be accepted twice.
      const [jobKey] = unconfirmedJobKeys(error);
      const landed = jobKey === undefined ? false : await queues.jobLanded(jobKey);
      if (landed !== true) {
        // undefined: Redis cannot say. The claim is left pending: a worker applying the job, if it
        // landed, confirms it; if not, it expires after a minute.
        if (landed === false) await digests.release(read.digest, uploadId, claim).catch((err: unknown) => logger.warn({ err }, "could not release a claim"));
        throw error;
      }
      logger.warn({ err: error, uploadId }, "a small upload's job was reported not queued, but it was: accepted");
    }
    await confirm(read.digest, uploadId);
    metrics.accepted.inc({ kind: "products" }, read.count);
    const answer = accepted(uploadId, read.count);
    res.status(answer.status).set(answer.headers).json(answer.body);
  };

  /** After a failed commit: the upload's products if it committed all the same, "absent" if not, "unknown" if Postgres cannot say now. */
  const commitOutcome = async (uploadId: string): Promise<number | "absent" | "unknown"> => {
    try {
      return (await acceptedProducts(db, uploadId)) ?? "absent";
    } catch {
      return "unknown";
    }
  };

  /** Starts the window of an accepted upload. Not confirmed, its claim expires after a minute: weaker, never lost. */
  const confirm = async (digest: string, uploadId: string) => {
    const confirmed = await digests.confirm(digest, uploadId).catch(() => false);
    if (!confirmed) logger.warn({ uploadId }, "accepted upload's window could not be recorded");
  };

  /**
   * Holds the key for this upload, or ends the transaction (rolling the staged body back) with the
   * answer to replay: the first one, or, when an earlier attempt with this key committed its upload
   * but never recorded its answer (its process died), that upload's 202 rather than a 403 for its body.
   */
  const holdKey = async (trx: Transaction<Database>, key: string, fingerprint: string, uploadId: string): Promise<KeyHold> => {
    const claim = await claimKey(records, key, fingerprint, uploadId);
    if ("replay" in claim) throw new Replay(claim.replay);
    const earlier = claim.hold.previousUpload;
    const products = earlier === undefined ? undefined : await acceptedProducts(trx, earlier);
    if (earlier !== undefined && products !== undefined) throw new Replay(await keepAnswer(records, claim.hold, accepted(earlier, products)));
    return claim.hold;
  };

  route(router, "/v1/products", { post: [shedLoad(queues, queues.products, maxBacklog), accept] });
}

/** The body's declared length; infinite when there is none (chunked), which never takes the fast path. */
function declaredLength(req: Request): number {
  const header = req.headers["content-length"];
  return header === undefined ? Number.POSITIVE_INFINITY : Number(header);
}

/** The 202 of an accepted upload, naming where its status is served. */
const accepted = (uploadId: string, count: number): Answer => ({ status: 202, headers: { Location: `/v1/products/uploads/${uploadId}` }, body: { accepted: count } });

/** Ends a keyed upload's transaction early: the answer is one already given. */
class Replay extends Error {
  constructor(readonly answer: StoredAnswer) {
    super("replayed");
  }
}

/**
 * What went wrong as the client should hear it; a database error is left to the problem handler (503 if
 * it may pass). Only the request itself ending early is the client's fault: an ECONNRESET from
 * Postgres's or Redis's socket (one restarting) is ours, and 503.
 */
function asHttpError(error: unknown, req: Request, queues: IngestQueues): unknown {
  if (error instanceof HttpError) return error;
  if (req.readableAborted) return new HttpError(400, "Incomplete body", "the request ended before its body did");
  if (!queues.connected()) return serviceUnavailable("the dedup record (Redis) is not reachable; nothing was accepted, try again");
  return error;
}
