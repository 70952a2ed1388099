import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ArraySplitter, ElementTooLargeError, MalformedJsonError, splitJsonArray, type SplitterOptions } from "./split-json-array.js";

const LIMIT: SplitterOptions = { maxElementBytes: 1 << 20 };

async function* fromChunks(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

/** Cuts `bytes` at the given offsets (which may repeat, giving empty chunks). */
function cutAt(bytes: Buffer, points: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

function cutEvery(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

async function collect(chunks: Uint8Array[], options = LIMIT): Promise<string[]> {
  const elements: string[] = [];
  for await (const element of splitJsonArray(fromChunks(chunks), options)) elements.push(element.toString("utf8"));
  return elements;
}

/** The elements yielded before the failure, and the failure. */
async function failure(chunks: Uint8Array[], options = LIMIT): Promise<{ elements: string[]; error: unknown }> {
  const elements: string[] = [];
  try {
    for await (const element of splitJsonArray(fromChunks(chunks), options)) elements.push(element.toString("utf8"));
  } catch (error) {
    return { elements, error };
  }
  throw new Error("expected splitJsonArray to throw");
}

/** Every way of cutting `bytes` into one, two (at each offset) and one-byte chunks. */
function chunkings(bytes: Buffer): Buffer[][] {
  const all = [[bytes], cutEvery(bytes, 1)];
  for (let point = 0; point <= bytes.length; point++) all.push(cutAt(bytes, [point]));
  return all;
}

/** Asserts that every chunking of `json` yields exactly `expected`, and that they parse to JSON.parse's elements. */
async function expectElements(json: string, expected: string[]): Promise<void> {
  const bytes = Buffer.from(json);
  for (const chunks of chunkings(bytes)) {
    const elements = await collect(chunks);
    expect(elements).toEqual(expected);
    expect(elements.map((e) => JSON.parse(e) as unknown)).toEqual(JSON.parse(json));
  }
}

/** Asserts that every chunking of `json` fails with the same error at `offset`, after the same elements. */
async function expectMalformed(json: string, offset: number, message?: RegExp): Promise<void> {
  const bytes = Buffer.from(json);
  let first: string[] | undefined;
  for (const chunks of chunkings(bytes)) {
    const { elements, error } = await failure(chunks);
    expect(error).toBeInstanceOf(MalformedJsonError);
    expect((error as MalformedJsonError).offset).toBe(offset);
    if (message) expect((error as Error).message).toMatch(message);
    first ??= elements;
    expect(elements).toEqual(first);
  }
}

describe("splitJsonArray", () => {
  it("yields each element's bytes", async () => {
    await expectElements('[{"id":1},{"id":2,"tags":["a","b"]}]', ['{"id":1}', '{"id":2,"tags":["a","b"]}']);
  });

  it("yields nothing for an empty array", async () => {
    await expectElements("[]", []);
    await expectElements(" \n[ \t\r\n ]\n ", []);
  });

  it("trims whitespace around elements and allows it everywhere", async () => {
    const json = ' \r\n\t[ \n {\n "a" : [ 1 , 2 ] ,\t"b" : { } }\n\n,\t[ ]  ,  {"c":null}\r\n]\n\t ';
    await expectElements(json, ['{\n "a" : [ 1 , 2 ] ,\t"b" : { } }', "[ ]", '{"c":null}']);
  });

  it("yields scalars at depth 1 as elements", async () => {
    await expectElements('[1, -2.5e+3, "x", true, false, null, "", 0]', ["1", "-2.5e+3", '"x"', "true", "false", "null", '""', "0"]);
    await expectElements("[1]", ["1"]);
    await expectElements('["a"]', ['"a"']);
  });

  it("ignores brackets, braces, commas and quotes inside strings", async () => {
    const elements = ['{"a":"]}"}', '{"b":"[{,"}', '"],[,"', '{"c":"\\"]"}', '{"d":"\\\\"}', '"\\\\\\""', '{"e\\"]":"}\\\\\\"{"}'];
    await expectElements(`[${elements.join(",")}]`, elements);
  });

  it("handles escapes at every chunk boundary", async () => {
    // Runs of backslashes of both parities before quotes, so a split can fall anywhere within them.
    const elements = ['"\\\\"', '"\\""', '"\\\\\\\\"', '"a\\\\\\"b"', '{"k":"\\\\","l":"\\"","m":"\\u0022\\\\\\\\\\""}', '"\\/\\b\\f\\n\\r\\t"'];
    await expectElements(`[${elements.join(",")}]`, elements);
  });

  it("keeps multi-byte UTF-8 intact across chunk boundaries", async () => {
    const elements = ['"héllo wörld"', '{"emoji":"😀🎉👩‍👩‍👧","cjk":"漢字"}', '"\u2028\u2029"', '"\\u2028\\ud83d\\ude00"', '{"€":["ü",{"ß":"]"}]}'];
    await expectElements(`[${elements.join(", ")}]`, elements);
  });

  it("handles deep nesting", async () => {
    const element = `${'[{"a":'.repeat(30)}1${"}]".repeat(30)}`;
    await expectElements(`[${element}, ${element}]`, [element, element]);
    const bytes = Buffer.from(`[${"[".repeat(20_000)}${"]".repeat(20_000)}]`);
    expect(await collect(cutEvery(bytes, 7))).toEqual([`${"[".repeat(20_000)}${"]".repeat(20_000)}`]);
  });

  it("splits the same at every pair of chunk boundaries", async () => {
    const json = '[ {"a":"x\\"]","b":[1,{"c":"é}"}]}, "\\\\", 12 ]';
    const expected = ['{"a":"x\\"]","b":[1,{"c":"é}"}]}', '"\\\\"', "12"];
    const bytes = Buffer.from(json);
    for (let first = 0; first <= bytes.length; first++) {
      for (let second = first; second <= bytes.length; second++) {
        expect(await collect(cutAt(bytes, [first, second]))).toEqual(expected);
      }
    }
  });

  it("accepts Uint8Array chunks, empty chunks and Node streams", async () => {
    const bytes = Buffer.from('[{"a":1},2]');
    const plain = [new Uint8Array(0), new Uint8Array(bytes.subarray(0, 4)), new Uint8Array(0), new Uint8Array(bytes.subarray(4))];
    expect(await collect(plain)).toEqual(['{"a":1}', "2"]);

    const stream = Readable.from(cutEvery(bytes, 3));
    const elements: string[] = [];
    for await (const element of splitJsonArray(stream, LIMIT)) elements.push(element.toString());
    expect(elements).toEqual(['{"a":1}', "2"]);
  });

  it("yields copies, not views of the chunks", async () => {
    const chunks = [Buffer.from("[111,"), Buffer.from("222]")];
    async function* scribbling(): AsyncGenerator<Buffer> {
      for (const chunk of chunks) {
        yield chunk;
        // The elements that ended in this chunk have been handed over by now.
        chunk.fill(0x20);
      }
    }
    const elements: Buffer[] = [];
    for await (const element of splitJsonArray(scribbling(), LIMIT)) elements.push(element);
    expect(elements.map(String)).toEqual(["111", "222"]);
  });

  it("hands over views of the chunk with copies: false, and elements spanning chunks whole", () => {
    const first = Buffer.from('[111,{"a":');
    const second = Buffer.from('2},"x"]');
    const splitter = new ArraySplitter(LIMIT.maxElementBytes, { copies: false });
    const found: Buffer[] = [];
    splitter.write(first, found);
    splitter.write(second, found);
    splitter.end();
    expect(found.map(String)).toEqual(["111", '{"a":2}', '"x"']);
    first.fill(0x20);
    second.fill(0x20);
    // The first and last are views: the chunks' changes show. The second was joined from both chunks.
    expect(found.map(String)).toEqual(["   ", '{"a":2}', "   "]);
  });

  it("stops reading when the consumer stops early", async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      yield Buffer.from("[");
      for (;;) {
        pulled++;
        yield Buffer.from('{"a":1},');
      }
    }
    let seen = 0;
    for await (const _ of splitJsonArray(endless(), LIMIT)) if (++seen === 3) break;
    expect(pulled).toBe(3);
  });

  describe("rejects malformed bodies", () => {
    it("an empty or whitespace-only body", async () => {
      expect((await failure([])).error).toBeInstanceOf(MalformedJsonError);
      expect(((await failure([])).error as MalformedJsonError).offset).toBe(0);
      await expectMalformed("", 0, /empty/);
      await expectMalformed(" \n\t ", 4, /empty/);
    });

    it("a top-level value that is not an array", async () => {
      await expectMalformed("{}", 0, /not a JSON array/);
      await expectMalformed("1", 0, /not a JSON array/);
      await expectMalformed('"x"', 0, /not a JSON array/);
      await expectMalformed("  null", 2, /not a JSON array/);
      await expectMalformed("\uFEFF[]", 0, /not a JSON array/);
    });

    it("missing or doubled commas", async () => {
      await expectMalformed("[,1]", 1, /expected an array element after '\['/);
      await expectMalformed("[1,,2]", 3, /expected an array element after ','/);
      await expectMalformed("[1,]", 3, /found '\]'/);
      await expectMalformed("[1 2]", 3, /expected ',' or '\]'/);
      await expectMalformed('[{"a":1} {"b":2}]', 9, /expected ',' or '\]'/);
      await expectMalformed('["a""b"]', 4, /expected ',' or '\]'/);
      await expectMalformed("[[1] ,, [2]]", 6);
    });

    it("unbalanced or mismatched brackets", async () => {
      await expectMalformed("[{]", 2, /does not match/);
      await expectMalformed('[{"a":[1}]', 8, /does not match/);
      await expectMalformed("[[}]", 2, /does not match/);
      await expectMalformed("[}]", 1, /where an array element should start/);
      await expectMalformed('[{"a":1}}]', 8, /expected ',' or '\]'/);
      await expectMalformed("[1]]", 3, /after the array/);
    });

    it("stray bytes inside scalars", async () => {
      await expectMalformed("[1:2]", 2, /in a value/);
      await expectMalformed('[tru"e"]', 4, /in a value/);
      await expectMalformed("[1}", 2, /in a value/);
    });

    it("a body that ends before the array is closed", async () => {
      await expectMalformed("[", 1, /ends before the array is closed/);
      await expectMalformed("[1", 2, /ends before the array is closed/);
      await expectMalformed("[1,", 3, /ends before the array is closed/);
      await expectMalformed('[{"a":"b', 8, /ends before the array is closed/);
      await expectMalformed('[{"a":"b\\"}]', 12, /ends before the array is closed/);
      await expectMalformed('[{"a":[]}', 9, /ends before the array is closed/);
      await expectMalformed('[{"a":1}, "x" ', 14, /ends before the array is closed/);
    });

    it("trailing garbage after the array", async () => {
      await expectMalformed("[1] x", 4, /unexpected 'x' after the array/);
      await expectMalformed("[1][2]", 3, /after the array/);
      await expectMalformed("[] ,", 3, /after the array/);
    });

    it("yields the elements before the problem, then throws", async () => {
      const bytes = Buffer.from('[{"a":1}, 2, ,3]');
      for (const chunks of chunkings(bytes)) {
        const { elements, error } = await failure(chunks);
        expect(elements).toEqual(['{"a":1}', "2"]);
        expect((error as MalformedJsonError).offset).toBe(13);
      }
    });
  });

  describe("maxElementBytes", () => {
    it("allows an element of exactly the limit and rejects one byte more", async () => {
      const options = { maxElementBytes: 9 };
      expect(await collect([Buffer.from('[ {"a":"x"} , 1 ]')], options)).toEqual(['{"a":"x"}', "1"]);
      for (const chunks of chunkings(Buffer.from('[1, {"a":"xy"} ]'))) {
        const { elements, error } = await failure(chunks, options);
        expect(error).toBeInstanceOf(ElementTooLargeError);
        expect(error).not.toBeInstanceOf(MalformedJsonError);
        expect((error as ElementTooLargeError).offset).toBe(4);
        expect(elements).toEqual(["1"]);
      }
      expect((await failure([Buffer.from("[1234567890]")], options)).error).toBeInstanceOf(ElementTooLargeError);
      expect((await failure([Buffer.from('["1234567890"]')], options)).error).toBeInstanceOf(ElementTooLargeError);
    });

    it("fails while the oversized element is still streaming in, without reading on", async () => {
      let pulled = 0;
      async function* endlessString(): AsyncGenerator<Buffer> {
        yield Buffer.from('[{"a":"');
        for (;;) {
          pulled++;
          yield Buffer.alloc(1024, "x");
        }
      }
      await expect(async () => {
        for await (const _ of splitJsonArray(endlessString(), { maxElementBytes: 10_000 })) void _;
      }).rejects.toThrow(ElementTooLargeError);
      expect(pulled).toBeLessThanOrEqual(10);
    });

    it("must be positive", async () => {
      await expect(splitJsonArray(fromChunks([]), { maxElementBytes: 0 }).next()).rejects.toThrow(RangeError);
    });
  });

  it("matches JSON.parse on random arrays, whitespace and chunkings", async () => {
    const random = mulberry32(20240611);
    for (let run = 0; run < 200; run++) {
      const original = Array.from({ length: Math.floor(random() * 12) }, () => (random() < 0.85 ? randomObject(random, 0) : randomValue(random, 2)));
      const bytes = Buffer.from(serialize(original, random));
      const chunks = randomChunks(bytes, random);
      const elements = await collect(chunks);
      expect(elements.map((e) => JSON.parse(e) as unknown)).toEqual(original);
      // Trimmed: no element starts or ends with whitespace.
      for (const element of elements) expect(element).toBe(element.trim());
    }
  });
});

/** A small seeded PRNG, so a failing random case can be reproduced. */
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRING_PIECES = ["a", "Z", "0", " ", '"', "\\", "]", "[", "}", "{", ",", ":", "\n", "\t", "\u0000", "\u001f", "é", "€", "漢", "😀", "\u2028", "\\u", "\\\\\"", "price"];

function randomString(random: () => number): string {
  let text = "";
  const length = Math.floor(random() * 10);
  for (let i = 0; i < length; i++) text += STRING_PIECES[Math.floor(random() * STRING_PIECES.length)];
  return text;
}

function randomValue(random: () => number, depth: number): unknown {
  const kind = Math.floor(random() * (depth > 3 ? 6 : 8));
  switch (kind) {
    case 0:
      return Math.floor(random() * 2000) - 1000;
    case 1:
      return (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
    case 2:
      return randomString(random);
    case 3:
      return random() < 0.5;
    case 4:
      return null;
    case 5:
      return (random() * 1000).toFixed(2);
    case 6:
      return Array.from({ length: Math.floor(random() * 5) }, () => randomValue(random, depth + 1));
    default:
      return randomObject(random, depth + 1);
  }
}

function randomObject(random: () => number, depth: number): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  const size = Math.floor(random() * 6);
  for (let i = 0; i < size; i++) object[randomString(random)] = randomValue(random, depth);
  return object;
}

function whitespace(random: () => number): string {
  if (random() < 0.5) return "";
  return Array.from({ length: 1 + Math.floor(random() * 3) }, () => " \t\n\r"[Math.floor(random() * 4)]).join("");
}

/** JSON.stringify with random whitespace between every pair of tokens. */
function serialize(value: unknown, random: () => number): string {
  const ws = () => whitespace(random);
  if (Array.isArray(value)) return `${ws()}[${ws()}${value.map((v) => serialize(v, random)).join(`${ws()},${ws()}`)}${ws()}]${ws()}`;
  if (value !== null && typeof value === "object") {
    const members = Object.entries(value).map(([k, v]) => `${ws()}${JSON.stringify(k)}${ws()}:${ws()}${serialize(v, random)}${ws()}`);
    return `${ws()}{${ws()}${members.join(",")}${ws()}}${ws()}`;
  }
  return `${ws()}${JSON.stringify(value)}${ws()}`;
}

function randomChunks(bytes: Buffer, random: () => number): Buffer[] {
  const chunks: Buffer[] = [];
  const maxSize = [1, 3, 16, 64, 4096][Math.floor(random() * 5)]!;
  for (let i = 0; i < bytes.length; ) {
    const size = Math.floor(random() * (maxSize + 1));
    chunks.push(bytes.subarray(i, i + size));
    i += size;
  }
  return chunks;
}
