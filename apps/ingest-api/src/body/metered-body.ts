import type { IncomingMessage } from "node:http";
import { HttpError, payloadTooLarge } from "@tally/shared/http";

export interface BodyLimits {
  /** 413 once the body passes this many bytes… */
  maxBytes: number;
  /** …naming the variable that sets it. */
  maxBytesName: string;
  /** 408 once the client sends less than this, averaged over a window of waiting for it. */
  minBytesPerSecond: number;
  windowMs: number;
}

const TIMEOUT = Symbol("timeout");
/** Bodies declared larger than this are read into one buffer as they arrive (`readMeteredBody`); smaller ones come in a chunk or two. */
const PREALLOCATE_FROM = 64 * 1024;

/**
 * The body's chunks as they arrive, cut with 413 as soon as they pass `maxBytes` (a body without a
 * Content-Length is counted, not trusted) and with 408 when the client sends less than
 * `minBytesPerSecond` over any window of `windowMs` spent waiting for it. Only waiting counts: while
 * the caller is busy with a chunk (staging it in Postgres, say), TCP holds the client back and it is
 * not the client that is slow. Pass an iterator that does not destroy the request when left early
 * (`req.iterator({ destroyOnReturn: false })`), so the socket can still carry the answer.
 */
export async function* meteredBody(chunks: AsyncIterator<Buffer>, limits: BodyLimits): AsyncGenerator<Buffer> {
  const needed = (limits.minBytesPerSecond * limits.windowMs) / 1000;
  let bytes = 0;
  let windowBytes = 0;
  let waited = 0;
  // A whole window spent waiting: did enough arrive in it?
  const endWindow = () => {
    if (windowBytes < needed) throw tooSlow(limits);
    waited = 0;
    windowBytes = 0;
  };
  for (;;) {
    const pending = chunks.next();
    let result: IteratorResult<Buffer> | typeof TIMEOUT;
    for (;;) {
      const started = performance.now();
      result = await within(pending, limits.windowMs - waited);
      waited += performance.now() - started;
      if (result !== TIMEOUT) break;
      endWindow();
    }
    if (result.done) return;
    bytes += result.value.length;
    windowBytes += result.value.length;
    if (bytes > limits.maxBytes) throw payloadTooLarge(`the body is over the limit of ${limits.maxBytes} bytes (${limits.maxBytesName})`);
    if (waited >= limits.windowMs) endWindow();
    yield result.value;
  }
}

/**
 * The whole body as one Buffer, metered as `meteredBody` is (413 past `maxBytes`, 408 when less than
 * `minBytesPerSecond` arrived in a window), for a caller that only waits for it, so every moment
 * counts as waiting. Read with the stream's own events rather than an async iterator: this runs for
 * every message, counter and flow request, and a small body arrives in one chunk, where an iterator's
 * promises and timers per chunk cost more than the reading. Leaves the stream paused, not destroyed,
 * when it gives up, so the socket can still carry the answer.
 */
export function readMeteredBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const needed = (limits.minBytesPerSecond * limits.windowMs) / 1000;
    const parts: Buffer[] = [];
    // A large body of a declared length is copied into its place chunk by chunk as it arrives: one
    // concatenation of megabytes at the end would hold the event loop for as long as the copy takes,
    // and many bodies ending together would hold it for all of theirs at once.
    const declared = Number(req.headers["content-length"] ?? Number.NaN);
    const whole = declared > PREALLOCATE_FROM && declared <= limits.maxBytes ? Buffer.allocUnsafeSlow(declared) : undefined;
    let bytes = 0;
    let windowBytes = 0;
    const window = setInterval(() => {
      if (windowBytes < needed) fail(tooSlow(limits));
      windowBytes = 0;
    }, limits.windowMs);
    const onData = (chunk: Buffer) => {
      const at = bytes;
      bytes += chunk.length;
      windowBytes += chunk.length;
      if (bytes > limits.maxBytes) fail(payloadTooLarge(`the body is over the limit of ${limits.maxBytes} bytes (${limits.maxBytesName})`));
      else if (whole) chunk.copy(whole, at);
      else parts.push(chunk);
    };
    const onEnd = () => {
      // Node's parser ends a body at its Content-Length exactly; anything else is not the body declared.
      if (whole && bytes !== whole.length) return fail(new HttpError(400, "Incomplete body", "the body's length is not its Content-Length"));
      stop();
      resolve(whole ?? (parts.length === 1 ? parts[0]! : Buffer.concat(parts)));
    };
    // A request whose connection ends before its body did is destroyed with an "aborted" error.
    const stop = () => {
      clearInterval(window);
      req.off("data", onData).off("end", onEnd).off("error", fail);
    };
    function fail(error: Error) {
      stop();
      req.pause();
      reject(error);
    }
    req.on("data", onData).once("end", onEnd).once("error", fail);
  });
}

function tooSlow({ minBytesPerSecond, windowMs }: BodyLimits): HttpError {
  return new HttpError(408, "Request timeout", `the body arrived slower than ${minBytesPerSecond} bytes/s over ${windowMs} ms (MIN_BODY_BYTES_PER_SECOND); nothing was accepted`);
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), Math.max(ms, 0));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
