import { readFileSync } from "node:fs";
import { HttpError, serviceUnavailable } from "@tally/shared/http";
import { bodyDigestKey, productAcceptanceKey, type RedisConnection } from "@tally/shared/redis";

/** How long a claim may stay pending (its upload committing) before it is given up as dead. */
const PENDING_TTL_MS = 60_000;
const PENDING_POLL_MS = 25;

const script = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), "utf8");

type ClaimReply = [state: "claimed" | "refused" | "pending", at: string];

interface DigestCommands {
  claimBodyDigest(key: string, windowMs: number, token: string, pendingTtlMs: number, now: string): Promise<ClaimReply>;
  confirmBodyDigest(key: string, token: string, windowMs: number, now: string): Promise<number>;
  releaseBodyDigest(key: string, token: string): Promise<number>;
  numberAcceptance(key: string): Promise<number>;
}

/** A claimed body: when it was claimed (its acceptance time if it is accepted) and its acceptance number. */
export interface Claim {
  at: number;
  seq: number;
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
  const commands = redis as unknown as DigestCommands;
  const keyOf = (digest: string) => bodyDigestKey(prefix, digest);
  const now = () => String(clock() ?? "");
  const acceptanceKey = productAcceptanceKey(prefix);

  return {
    /**
     * Claims the digest for `token`, returning the claim's time (the acceptance time if it is accepted)
     * and its acceptance number. Throws 403 if an identical body was accepted less than the window ago.
     * While an identical body is still being accepted, waits for its outcome: of bodies arriving
     * together exactly one is accepted. The number is taken alongside the claim (sent together: one
     * round trip; two scripts, since in a cluster the digest and the number live in different slots);
     * a number whose claim fails is simply never used.
     */
    async claim(digest: string, token: string): Promise<Claim> {
      const deadline = Date.now() + PENDING_TTL_MS;
      for (;;) {
        const [claimed, numbered] = await Promise.allSettled([
          commands.claimBodyDigest(keyOf(digest), windowMs, token, PENDING_TTL_MS, now()),
          commands.numberAcceptance(acceptanceKey),
        ]);
        if (claimed.status === "rejected" || numbered.status === "rejected") {
          // A claim taken without its number is given back, so it cannot block a retry for a minute.
          if (claimed.status === "fulfilled" && claimed.value[0] === "claimed") await commands.releaseBodyDigest(keyOf(digest), token).catch(() => undefined);
          const cause = claimed.status === "rejected" ? claimed.reason : (numbered as PromiseRejectedResult).reason;
          throw Object.assign(serviceUnavailable("the dedup record (Redis) is not reachable; nothing was accepted, try again"), { cause });
        }
        const [state, at] = claimed.value;
        const seq = numbered.value;
        if (state === "claimed") return { at: Number(at), seq: Number(seq) };
        if (state === "refused") throw refused(Number(at), windowMs);
        if (Date.now() > deadline) throw serviceUnavailable("an identical body is still being accepted; try again");
        await new Promise((resolve) => setTimeout(resolve, PENDING_POLL_MS));
      }
    },
    /** Starts the window of `token`'s now committed upload. False if its claim had expired meanwhile. */
    async confirm(digest: string, token: string): Promise<boolean> {
      return (await commands.confirmBodyDigest(keyOf(digest), token, windowMs, now())) === 1;
    },
    /** Drops `token`'s pending claim so that a retry of the same body is not refused. */
    async release(digest: string, token: string): Promise<void> {
      await commands.releaseBodyDigest(keyOf(digest), token);
    },
  };
}

function refused(acceptedAt: number, windowMs: number): HttpError {
  const until = new Date(acceptedAt + windowMs).toISOString();
  return new HttpError(403, "Duplicate body", `an identical body was accepted at ${new Date(acceptedAt).toISOString()}; it is refused until ${until}`, {
    fields: { acceptedAt: new Date(acceptedAt).toISOString(), refusedUntil: until },
  });
}
