// Types only: the routes depend on this, not on the Redis lookup behind it (which main.ts wires).

/** A fast-path upload accepted but not applied yet, as its pending mark in Redis tells. */
interface PendingUpload {
  products: number;
  acceptedAt: number;
}

/** Looks an upload up among the pending small uploads: undefined if none is marked with its id. */
export type PendingUploads = (uploadId: string) => Promise<PendingUpload | undefined>;
