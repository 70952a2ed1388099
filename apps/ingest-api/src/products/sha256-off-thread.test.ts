import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashingThreadForTests, sha256OffThread, type StreamHash } from "./sha256-off-thread.js";

const MiB = 1024 * 1024;

async function feed(hash: StreamHash, chunks: Buffer[]): Promise<string> {
  for (const chunk of chunks) await hash.update(chunk);
  return hash.digest();
}

const expected = (chunks: Buffer[]) => createHash("sha256").update(Buffer.concat(chunks)).digest("hex");

describe("sha256OffThread", () => {
  it("digests every byte in order, whatever the chunks' sizes", async () => {
    const chunks = [0, 1, 65_536, MiB - 1, 2, 3 * MiB + 7, 0, 5 * MiB, 10].map((n) => randomBytes(n));
    expect(await feed(sha256OffThread(), chunks)).toBe(expected(chunks));
    expect(await feed(sha256OffThread(), [])).toBe(expected([]));
  });

  it("keeps concurrent streams apart", async () => {
    const bodies = Array.from({ length: 5 }, (_, i) => Array.from({ length: 20 }, () => randomBytes(100_000 + i)));
    const digests = await Promise.all(bodies.map((chunks) => feed(sha256OffThread(), chunks)));
    expect(digests).toEqual(bodies.map(expected));
  });

  it("holds at most four buffers a stream: a caller waits while they are all with the thread", async () => {
    const hash = sha256OffThread();
    const body = randomBytes(5 * MiB);
    // Four full buffers go out at once; the fifth MiB has to wait for one to come back.
    const waited = hash.update(body);
    expect(waited).toBeInstanceOf(Promise);
    await waited;
    expect(await hash.digest()).toBe(expected([body]));
  });

  it("forgets an abandoned stream and goes on serving the others", async () => {
    const abandoned = sha256OffThread();
    await abandoned.update(randomBytes(3 * MiB));
    abandoned.abandon();
    const chunks = [randomBytes(2 * MiB + 3)];
    expect(await feed(sha256OffThread(), chunks)).toBe(expected(chunks));
  });

  it("fails the streams it was hashing when the thread dies, and serves the next one on a new thread", async () => {
    const cut = sha256OffThread();
    await cut.update(randomBytes(3 * MiB));
    const dying = hashingThreadForTests();
    await dying!.terminate();
    await expect(cut.digest()).rejects.toThrow(/hashing thread exited/);
    expect(() => cut.update(randomBytes(10))).toThrow(/hashing thread exited/);

    const chunks = [randomBytes(2 * MiB + 5)];
    expect(await feed(sha256OffThread(), chunks)).toBe(expected(chunks));
    expect(hashingThreadForTests()).not.toBe(dying);
  });

  it("leaves a new thread's streams alone when an old thread's exit comes late", async () => {
    await feed(sha256OffThread(), [randomBytes(10)]);
    const old = hashingThreadForTests()!;
    // A message it cannot read makes the thread throw: 'error', then 'exit'.
    const errored = new Promise((resolve) => old.once("error", resolve));
    old.postMessage({ id: -1, buffer: 42, length: 1 });
    await errored;
    const fresh = sha256OffThread(); // a new thread, before the old one's 'exit'
    const exited = new Promise((resolve) => old.once("exit", resolve));
    await exited;
    const chunks = [randomBytes(MiB + 1)];
    expect(await feed(fresh, chunks)).toBe(expected(chunks));
  });
});
