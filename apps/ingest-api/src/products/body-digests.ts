import { readFileSync } from "node:fs";
import { HttpError, serviceUnavailable } from "@tally/shared/http";
import { bodyDigestKey, pendingUploadKey, productAcceptanceKey, type RedisConnection } from "@tally/shared/redis";
import { createBatcher } from "../coalescer.js";
import { PENDING_MARK_MS } from "../queues.js";

/** How long a claim may stay pending (its upload committing) before it is given up as dead. */
const PENDING_TTL_MS = 60_000;
const PENDING_POLL_MS = 25;
/** The most uploads one claim or confirm call carries (a script's keys and replies stay small). */
const MAX_GROUP = 256;

const script = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), "utf8");

type ClaimReply = [state: "claimed" | "refused" | "pending", at: string, seq?: number];

interface DigestCommands {
  claimBodyDigest(key: string, windowMs: number, token: string, pendingTtlMs: number, now: string): Promise<ClaimReply>;
  confirmBodyDigest(key: string, token: string, windowMs: number, now: string): Promise<number>;
  releaseBodyDigest(key: string, token: string): Promise<number>;
  numberAcceptance(key: string): Promise<number>;
  claimBodyDigests(keys: number, ...args: (string | number)[]): Promise<ClaimReply[]>;
  confirmBodyDigests(keys: number, ...args: (string | number)[]): Promise<number[]>;
}

/**
 * A claimed body: when it was claimed (its acceptance time if it is accepted), its acceptance number,
 * and whether its upload's pending mark was set with it (asked for with `mark`, and on a single Redis).
 */
export interface Claim {
  at: number;
  seq: number;
  marked: boolean;
}

/** One upload's claim as a group's script takes it: its digest, token (upload id) and products, if it is to be marked pending. */
interface ClaimRequest {
  digest: string;
  token: string;
  products: number | undefined;
}

export interface BodyDigestsOptions {
  redis: RedisConnection;
  prefix: string;
  windowMs: number;
  /** Milliseconds since the epoch for tests; undefined in production, where Redis's TIME decides. */
  clock: () => number | undefined;
}

export type BodyDigests = ReturnType<typeof createBodyDigests>;

/**
 * The cluster-wide record of accepted bodies, kept in Redis and decided by Lua scripts against Redis's
 * own clock, so every ingest process agrees. A body is claimed (pending) once fully read, confirmed
 * once its upload has committed, or released if it was not accepted after all.
 */
export function createBodyDigests({ redis, prefix, windowMs, clock }: BodyDigestsOptions) {
  redis.defineCommand("claimBodyDigest", { numberOfKeys: 1, lua: script("claim-body-digest-1.lua") });
  redis.defineCommand("confirmBodyDigest", { numberOfKeys: 1, lua: script("confirm-body-digest-1.lua") });
  redis.defineCommand("releaseBodyDigest", { numberOfKeys: 1, lua: script("release-body-digest-1.lua") });
  redis.defineCommand("numberAcceptance", { numberOfKeys: 1, lua: script("number-acceptance-1.lua") });
  redis.defineCommand("claimBodyDigests", { lua: script("claim-body-digests-n.lua") });
  redis.defineCommand("confirmBodyDigests", { lua: script("confirm-body-digests-n.lua") });
  const commands = redis as unknown as DigestCommands;
  const keyOf = (digest: string) => bodyDigestKey(prefix, digest);
  const now = () => String(clock() ?? "");
  const acceptanceKey = productAcceptanceKey(prefix);

  /**
   * On a single Redis, the claims of concurrent requests go together, one script call for the group
   * (claim, number and pending mark of each); likewise their confirms. A failed call fails the group.
   */
  const claims = createBatcher<ClaimRequest, ClaimReply>({
    run: (requests) =>
      commands.claimBodyDigests(
        1 + 2 * requests.length,
        acceptanceKey,
        ...requests.flatMap((r) => [keyOf(r.digest), pendingUploadKey(prefix, r.token)]),
        windowMs,
        PENDING_TTL_MS,
        now(),
        PENDING_MARK_MS,
        ...requests.flatMap((r) => [r.token, r.products ?? ""]),
      ),
    maxWeight: MAX_GROUP,
  });
  const confirms = createBatcher<{ digest: string; token: string }, number>({
    run: (uploads) => commands.confirmBodyDigests(uploads.length, ...uploads.map((u) => keyOf(u.digest)), windowMs, now(), ...uploads.map((u) => u.token)),
    maxWeight: MAX_GROUP,
  });

  /**
   * In a cluster the digest and the number live in different slots: two scripts, sent together (one
   * round trip); the mark is left to the enqueue. A claim taken without its number is given back, so
   * it cannot block a retry for a minute; a number whose claim fails is simply never used.
   */
  const claimInCluster = async ({ digest, token }: ClaimRequest): Promise<ClaimReply> => {
    const [claimed, numbered] = await Promise.allSettled([
      commands.claimBodyDigest(keyOf(digest), windowMs, token, PENDING_TTL_MS, now()),
      commands.numberAcceptance(acceptanceKey),
    ]);
    if (claimed.status === "fulfilled" && numbered.status === "fulfilled") return [claimed.value[0], claimed.value[1], numbered.value];
    if (claimed.status === "fulfilled" && claimed.value[0] === "claimed") await commands.releaseBodyDigest(keyOf(digest), token).catch(() => undefined);
    throw claimed.status === "rejected" ? claimed.reason : (numbered as PromiseRejectedResult).reason;
  };
  const single = !redis.isCluster;
  const claimOnce = single ? (request: ClaimRequest) => claims.add(request) : claimInCluster;

  return {
    /**
     * Claims the digest for `token` (the upload's id), returning the claim's time (the acceptance
     * time if it is accepted) and its acceptance number. With `mark` (a fast-path upload), the
     * upload's pending mark is set with the claim where Redis allows (`marked`). Throws 403 if an
     * identical body was accepted less than the window ago. While an identical body is still being
     * accepted, waits for its outcome: of bodies arriving together exactly one is accepted.
     */
    async claim(digest: string, token: string, mark?: { products: number }): Promise<Claim> {
      const deadline = Date.now() + PENDING_TTL_MS;
      const request = { digest, token, products: mark?.products };
      for (;;) {
        let reply: ClaimReply;
        try {
          reply = await claimOnce(request);
        } catch (cause) {
          throw Object.assign(serviceUnavailable("the dedup record (Redis) is not reachable; nothing was accepted, try again"), { cause });
        }
        const [state, at, seq] = reply;
        if (state === "claimed") return { at: Number(at), seq: Number(seq), marked: single && mark !== undefined };
        if (state === "refused") throw refused(Number(at), windowMs);
        if (Date.now() > deadline) throw serviceUnavailable("an identical body is still being accepted; try again");
        await new Promise((resolve) => setTimeout(resolve, PENDING_POLL_MS));
      }
    },
    /** Starts the window of `token`'s now committed upload. False if its claim had expired meanwhile. */
    async confirm(digest: string, token: string): Promise<boolean> {
      const confirmed = single ? await confirms.add({ digest, token }) : await commands.confirmBodyDigest(keyOf(digest), token, windowMs, now());
      return confirmed === 1;
    },
    /** Drops `token`'s pending claim so that a retry of the same body is not refused, and the pending mark set with it. */
    async release(digest: string, token: string, claim?: Claim): Promise<void> {
      await Promise.all([commands.releaseBodyDigest(keyOf(digest), token), claim?.marked && redis.del(pendingUploadKey(prefix, token))]);
    },
  };
}

function refused(acceptedAt: number, windowMs: number): HttpError {
  const until = new Date(acceptedAt + windowMs).toISOString();
  return new HttpError(403, "Duplicate body", `an identical body was accepted at ${new Date(acceptedAt).toISOString()}; it is refused until ${until}`, {
    fields: { acceptedAt: new Date(acceptedAt).toISOString(), refusedUntil: until },
  });
}
