import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { HttpError } from "@tally/shared/http";
import { describe, expect, it } from "vitest";
import { readMeteredBody } from "./metered-body.js";

const limits = { maxBytes: 1024 * 1024, maxBytesName: "MAX_BODY_BYTES", minBytesPerSecond: 1, windowMs: 60_000 };

/** A request body arriving in `chunks`, declaring `contentLength` (none if undefined). */
function request(chunks: Buffer[], contentLength?: number): IncomingMessage {
  return Object.assign(Readable.from(chunks), { headers: contentLength === undefined ? {} : { "content-length": String(contentLength) } }) as unknown as IncomingMessage;
}

const split = (bytes: Buffer, size: number) => Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));

describe("readMeteredBody", () => {
  it.each([
    ["declared and large: read into one buffer as it arrives", 300_000, true],
    ["declared and small", 1_000, true],
    ["large without a Content-Length (chunked)", 300_000, false],
  ])("gives the exact bytes of a body %s", async (_, size, declared) => {
    const bytes = randomBytes(size);
    const body = await readMeteredBody(request(split(bytes, 16_384), declared ? size : undefined), limits);
    expect(body.equals(bytes)).toBe(true);
  });

  it("refuses with 400 a body that ends short of its declared length, never handing on the rest of its buffer", async () => {
    const bytes = randomBytes(200_000);
    const refused = await readMeteredBody(request(split(bytes, 16_384), 300_000), limits).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HttpError);
    expect(refused).toMatchObject({ status: 400 });
  });

  it("refuses with 413 a body past the limit, declared or not", async () => {
    const bytes = randomBytes(limits.maxBytes + 1);
    for (const declared of [undefined, limits.maxBytes + 1]) {
      await expect(readMeteredBody(request(split(bytes, 65_536), declared), limits)).rejects.toMatchObject({ status: 413 });
    }
  });
});
