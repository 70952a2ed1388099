import { Worker } from "node:worker_threads";

/**
 * SHA-256 of a streamed body, computed on a worker thread. On the event loop's thread it was a sixth
 * of a large upload's CPU, on a thread that is the upload's bottleneck, while the machine's other core
 * had room. Bytes travel in a few buffers of BUFFER_BYTES per stream, moved (not copied) to the
 * thread and back once hashed: memory stays bounded whatever the body's size or the thread's pace.
 */
export interface StreamHash {
  /** Adds bytes; when every buffer is with the thread, returns a promise to wait for before the next call. */
  update(bytes: Buffer): Promise<void> | undefined;
  /** The hex digest of every byte added. */
  digest(): Promise<string>;
  /** Drops the stream (its body was refused): the thread forgets it. */
  abandon(): void;
}

const BUFFER_BYTES = 1024 * 1024;
const BUFFERS_PER_STREAM = 4;

type Reply = { id: number; buffer: ArrayBuffer } | { id: number; digest: string };

/** Run as a CommonJS script (`eval`), so the same code serves the built app and the tests' sources. */
const THREAD_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const hashes = new Map();
parentPort.on("message", ({ id, buffer, length, end, abandon }) => {
  if (abandon) return void hashes.delete(id);
  let hash = hashes.get(id);
  if (!hash) hashes.set(id, (hash = createHash("sha256")));
  if (buffer) {
    hash.update(new Uint8Array(buffer, 0, length));
    parentPort.postMessage({ id, buffer }, [buffer]);
  }
  if (end) {
    hashes.delete(id);
    parentPort.postMessage({ id, digest: hash.digest("hex") });
  }
});
`;

interface Stream {
  returned(buffer: ArrayBuffer): void;
  digested(digest: string): void;
  failed(error: Error): void;
}

let thread: Worker | undefined;
const streams = new Map<number, Stream>();
let nextId = 0;

/** The thread keeps the process alive only while a stream waits on it. */
function forget(id: number): boolean {
  const known = streams.delete(id);
  if (streams.size === 0) thread?.unref();
  return known;
}

function hashingThread(): Worker {
  if (thread) return thread;
  const started = new Worker(THREAD_SOURCE, { eval: true });
  started.on("message", (reply: Reply) => {
    const stream = streams.get(reply.id);
    if ("digest" in reply) stream?.digested(reply.digest);
    else stream?.returned(reply.buffer);
  });
  // A thread that dies fails every stream it was hashing; the next stream starts a new thread. Its
  // 'exit' follows its 'error': by then a new thread may serve new streams, which are not its to fail.
  const fail = (error: Error) => {
    if (thread !== started) return;
    thread = undefined;
    for (const stream of streams.values()) stream.failed(error);
    streams.clear();
  };
  started.on("error", fail);
  started.on("exit", (code) => fail(new Error(`the hashing thread exited (code ${code})`)));
  thread = started;
  return started;
}

export function sha256OffThread(): StreamHash {
  const worker = hashingThread();
  const id = nextId++;
  worker.ref();
  const free: ArrayBuffer[] = [];
  let allocated = 0;
  /** The buffer being filled, and a Buffer view of it to copy into. */
  let current: { memory: ArrayBuffer; view: Buffer } | undefined;
  let filled = 0;
  let failure: Error | undefined;
  let waitingForBuffer: (() => void) | undefined;
  let answer: { resolve: (digest: string) => void; reject: (error: Error) => void } | undefined;
  streams.set(id, {
    returned(buffer) {
      free.push(buffer);
      waitingForBuffer?.();
    },
    digested(digest) {
      forget(id);
      answer?.resolve(digest);
    },
    failed(error) {
      failure = error;
      waitingForBuffer?.();
      answer?.reject(error);
    },
  });

  const send = (end: boolean) => {
    const buffer = current?.memory;
    worker.postMessage({ id, buffer, length: filled, end }, buffer ? [buffer] : []);
    current = undefined;
    filled = 0;
  };
  /** A buffer to fill, or a promise of one once the thread hands one back. */
  const take = (): Promise<void> | undefined => {
    if (failure) throw failure;
    const buffer = free.pop() ?? (allocated < BUFFERS_PER_STREAM ? (allocated++, new ArrayBuffer(BUFFER_BYTES)) : undefined);
    if (buffer) {
      current = { memory: buffer, view: Buffer.from(buffer) };
      return undefined;
    }
    return new Promise<void>((resolve) => (waitingForBuffer = resolve)).then(() => {
      waitingForBuffer = undefined;
      return take();
    });
  };

  const update = (bytes: Buffer, from = 0): Promise<void> | undefined => {
    while (from < bytes.length) {
      if (!current) {
        const wait = take();
        if (wait) return wait.then(() => update(bytes, from));
      }
      const copied = bytes.copy(current!.view, filled, from);
      filled += copied;
      from += copied;
      if (filled === BUFFER_BYTES) send(false);
    }
    return undefined;
  };

  return {
    update: (bytes) => update(bytes),
    digest: () =>
      new Promise<string>((resolve, reject) => {
        if (failure) return reject(failure);
        answer = { resolve, reject };
        send(true);
      }),
    abandon: () => {
      if (!forget(id)) return;
      thread?.postMessage({ id, abandon: true });
    },
  };
}

/** The hashing thread, if one is running: for tests that make it die. */
export function hashingThreadForTests(): Worker | undefined {
  return thread;
}
