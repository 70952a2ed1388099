import { tooManyRequests } from "@tally/shared/http";

/**
 * A cap on the uploads one ingest process stages at once. Each holds a database connection in an
 * open transaction for as long as its body takes to arrive, so without a cap a few slow uploads
 * would hold every connection and starve the rest. A request over the cap is refused (429) before
 * its body is read, rather than queued behind uploads that may take minutes.
 */
export function createUploadSlots(max: number) {
  let taken = 0;
  return {
    /** Takes a slot, or throws 429; call the returned function exactly once when the upload is done. */
    take(): () => void {
      if (taken >= max) throw tooManyRequests(`${max} uploads are already in progress on this ingest process (MAX_CONCURRENT_UPLOADS); try again shortly`, 5);
      taken++;
      let released = false;
      return () => {
        if (!released) taken--;
        released = true;
      };
    },
    /** Slots taken now. */
    get inUse(): number {
      return taken;
    },
  };
}

export type UploadSlots = ReturnType<typeof createUploadSlots>;
