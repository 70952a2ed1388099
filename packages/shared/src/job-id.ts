import { createHash, randomBytes } from "node:crypto";

/**
 * A new id for a counters or flows job: a UUIDv7, whose first 48 bits are the time it was made (ms).
 * The worker's job ledgers are partitioned by that time, and because it is part of the id, the same id
 * always lands in the same partition: a job counts once by its id, even re-added later with another
 * BullMQ timestamp. Time-ordered ids also append to the ledger's index instead of scattering over it.
 */
export function newJobId(now: number = Date.now()): string {
  return uuidV7(now, randomBytes(16));
}

/**
 * The id of a job that must be the same on every attempt at adding it: a UUIDv7 of time `at` whose
 * other bits come from `seed` (an idempotency key and the chunk's number). A retry after an answer
 * that was lost re-adds the same id: BullMQ refuses it while the job exists, and the worker's ledgers
 * count it once after.
 */
export function derivedJobId(at: number, seed: string): string {
  return uuidV7(at, createHash("sha256").update(seed).digest());
}

function uuidV7(now: number, entropy: Buffer): string {
  const bytes = Buffer.from(entropy.subarray(0, 16));
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The time (ms) a `newJobId` id was made, or undefined for any other id. */
export function jobIdTime(jobId: string): number | undefined {
  if (!UUID_V7.test(jobId)) return undefined;
  return Number.parseInt(jobId.slice(0, 8) + jobId.slice(9, 13), 16);
}
