import { gzipSync } from "node:zlib";
import fc from "fast-check";

/** Content types read as JSON (no header at all is JSON too). */
export const JSON_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  'application/json;charset="UTF-8"',
  "APPLICATION/JSON",
  "text/json",
  "application/vnd.tally.v1+json",
  "application/x-www-form-urlencoded",
] as const;
export const NDJSON_TYPES = ["application/x-ndjson", "application/ndjson", "application/jsonl"] as const;

/** Content types that are not JSON, or JSON in a charset other than UTF-8: 415. */
export const notJsonType: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "text/plain",
    "text/html; charset=utf-8",
    "multipart/form-data; boundary=----x",
    "application/json; charset=latin1",
    "application/json; charset=iso-8859-1",
    "application/json; charset=utf-16",
    "application/xml",
    "application/octet-stream",
    "image/png",
    "application/jsonp",
    "json",
    "/",
    "application/",
    ";charset=utf-8",
    "application/json, text/plain",
    "*/*",
  ),
  fc.stringMatching(/^[a-z]{1,10}\/[a-z0-9.+-]{1,20}$/).filter((t) => !t.endsWith("+json") && !["application/json", "text/json", "application/x-www-form-urlencoded", "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"].includes(t)),
  fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,30}$/).map((t) => `x-garbage-${t}`),
);

/** X-Request-Id values a client might send, odd ones included. */
export const requestIdHeader: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({}) },
  fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/).map((id) => ({ "x-request-id": id })),
  fc
    .oneof(
      fc.constantFrom("", " ", "has spaces", "../../etc/passwd", "<script>", "a,b", "\u00e9t\u00e9", '"quoted"', "x".repeat(129)),
      fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 300 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, "?")),
    )
    .map((id) => ({ "x-request-id": id })),
);

/** Byte sequences that are not UTF-8: stray continuation bytes, overlong forms, encoded surrogates, past U+10FFFF, cut short. */
export const invalidUtf8: fc.Arbitrary<Buffer> = fc
  .constantFrom([0xff], [0xfe], [0x80], [0xbf], [0xc0, 0xaf], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98])
  .map((bytes) => Buffer.from(bytes));

/** A placeholder written into a string, later replaced by invalid UTF-8 bytes. */
export const UTF8_MARK = "@@not-utf8@@";

export function spliceInvalidUtf8(text: string, bad: Buffer): Buffer {
  const at = text.indexOf(UTF8_MARK);
  if (at < 0) throw new Error("no UTF-8 mark in the body");
  return Buffer.concat([Buffer.from(text.slice(0, at)), bad, Buffer.from(text.slice(at + UTF8_MARK.length))]);
}

let bomb: Buffer | undefined;
function gzipBomb(): Buffer {
  bomb ??= gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20));
  return bomb;
}

/** Compression that is not what it says, or not supported at all. */
interface BadEncoding {
  encoding: string;
  body: (valid: Buffer) => Buffer;
  expect: number[];
}
export const badEncoding: fc.Arbitrary<BadEncoding> = fc.oneof(
  fc.constantFrom("bogus", "x-compress", "gzip, bogus", "zstd").map((encoding): BadEncoding => ({ encoding, body: (b) => b, expect: [415] })),
  fc.constantFrom("gzip", "deflate", "br").map((encoding): BadEncoding => ({ encoding, body: (b) => b, expect: [400, 415] })),
  // A gzip bomb: a few kB that inflate to far over the body limit.
  fc.constant<BadEncoding>({ encoding: "gzip", body: gzipBomb, expect: [413, 415] }),
);

/** A random cut strictly inside the text (an object or array text has no valid proper prefix). */
export const cutPoint = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
export function truncate(text: string, at: number): Buffer {
  const bytes = Buffer.from(text);
  return bytes.subarray(0, Math.floor(at * bytes.length));
}

/** Random bytes that are not JSON, judged by JSON.parse on their UTF-8 reading. */
export const notJsonBytes: fc.Arbitrary<Buffer> = fc
  .oneof(fc.uint8Array({ maxLength: 400 }), fc.string({ unit: "binary-ascii", maxLength: 200 }).map((s) => new TextEncoder().encode(s)))
  .map((bytes) => Buffer.from(bytes))
  .filter((bytes) => {
    try {
      JSON.parse(bytes.toString("utf8"));
      return false;
    } catch {
      return true;
    }
  });

export const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
