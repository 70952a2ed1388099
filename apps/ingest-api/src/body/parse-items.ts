import { malformedJson, payloadTooLarge } from "@tally/shared/http";
import { ArraySplitter, ElementTooLargeError, MalformedJsonError } from "@tally/shared/json";
import { decodeUtf8, type BodyFormat } from "./read-json-body.js";

/**
 * Text parsed by one JSON.parse at most (plus the item that straddles its end). A body is parsed a
 * slice at a time so that no parse blocks the event loop for long whatever the body holds: measured
 * here, 16 KiB of the worst shape (`[1,1,1,…]`) parses in under 2 ms, while a whole 5 MB body of it
 * took over 500 ms. Smaller bodies, nearly every request, are parsed whole.
 */
const SLICE_BYTES = 16 * 1024;

export interface ItemLimits {
  /** More items than this is 413… */
  maxItems: number;
  /** …naming the variable that sets it. */
  maxItemsName: string;
  /** One item's JSON text over this is 413 (MAX_ITEM_BYTES). */
  maxItemBytes: number;
  /** What an item is called in answers: "message". */
  noun: string;
}

/** A body's items: whether it was a list (so errors name items by index), and the items, a slice at a time. */
export interface ParsedBody {
  batch: boolean;
  slices: AsyncIterable<unknown[]>;
}

/**
 * The items of a body: a JSON array's elements, a single JSON value as one item, or NDJSON's lines.
 * Parsing happens as the slices are taken, so a caller that stops early (too many invalid items) never
 * parses the rest; limits on items are enforced as they are met.
 */
export function parseItems(body: Buffer, format: BodyFormat, limits: ItemLimits): ParsedBody {
  if (format === "ndjson") return { batch: true, slices: ndjsonSlices(body, limits) };
  const first = body.findIndex((byte) => !WHITESPACE.has(byte));
  if (first === -1) throw malformedJson("the body is empty");
  if (body[first] !== OPEN_SQUARE) return { batch: false, slices: singleValue(body, limits) };
  return { batch: true, slices: body.length <= SLICE_BYTES ? wholeArray(body, limits) : arraySlices(body, limits) };
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const OPEN_SQUARE = 0x5b;
const NEWLINE = 0x0a;

const tooManyItems = ({ maxItems, maxItemsName, noun }: ItemLimits) =>
  payloadTooLarge(`more than ${maxItems} ${noun}s: over the limit of ${maxItems} per request (${maxItemsName})`);
const itemTooLarge = ({ maxItemBytes, noun }: ItemLimits, where: string) =>
  payloadTooLarge(`${where} is over the limit of ${maxItemBytes} bytes for one ${noun} (MAX_ITEM_BYTES)`);

async function* singleValue(body: Buffer, limits: ItemLimits): AsyncGenerator<unknown[]> {
  if (body.length > limits.maxItemBytes) throw itemTooLarge(limits, "the body, one value,");
  yield [parseJson(decodeUtf8(body, "the body"), "the body")];
}

async function* wholeArray(body: Buffer, limits: ItemLimits): AsyncGenerator<unknown[]> {
  const items = parseJson(decodeUtf8(body, "the body"), "the body") as unknown[];
  if (items.length > limits.maxItems) throw tooManyItems(limits);
  yield items;
}

/**
 * A large array, split where its elements end (the splitter checks the structure and each element's
 * size without copying anything), each slice's elements parsed by one JSON.parse.
 */
async function* arraySlices(body: Buffer, limits: ItemLimits): AsyncGenerator<unknown[]> {
  const splitter = new ArraySplitter(limits.maxItemBytes);
  let sliceStart = 0;
  let parsed = 0;
  try {
    for (let at = 0; at < body.length; at += SLICE_BYTES) {
      splitter.write(body.subarray(at, at + SLICE_BYTES));
      if (splitter.elements > limits.maxItems) throw tooManyItems(limits);
      if (splitter.elements === parsed) continue;
      const end = splitter.lastElementEnd;
      // The slice's text starts with the `[` or `,` before its first element.
      const text = decodeUtf8(body.subarray(sliceStart, end), "the body").replace(/^\s*[[,]/, "");
      yield parseElements(text, parsed);
      parsed = splitter.elements;
      sliceStart = end;
    }
    splitter.end();
  } catch (error) {
    if (error instanceof MalformedJsonError) throw malformedJson(`the body is not valid JSON: ${error.message}`);
    if (error instanceof ElementTooLargeError) throw itemTooLarge(limits, `item [${splitter.elements}]`);
    throw error;
  }
}

/** Elements separated by commas, parsed as one array; if that fails, each alone, to name the bad one. */
function parseElements(text: string, firstIndex: number): unknown[] {
  try {
    return JSON.parse(`[${text}]`) as unknown[];
  } catch {
    const found: Buffer[] = [];
    const splitter = new ArraySplitter(Number.POSITIVE_INFINITY);
    splitter.write(Buffer.from(`[${text}]`), found);
    found.forEach((element, i) => parseJson(element.toString(), `item [${firstIndex + i}]`));
    throw malformedJson("the body is not valid JSON");
  }
}

/** NDJSON: each non-blank line one item; lines are parsed a slice of lines at a time. */
async function* ndjsonSlices(body: Buffer, limits: ItemLimits): AsyncGenerator<unknown[]> {
  let lineNumber = 0;
  let items = 0;
  let start = 0;
  while (start < body.length) {
    const slice: unknown[] = [];
    const sliceEnd = start + SLICE_BYTES;
    while (start < body.length && start < sliceEnd) {
      const newline = body.indexOf(NEWLINE, start);
      const end = newline === -1 ? body.length : newline;
      const line = body.subarray(start, end);
      start = end + 1;
      lineNumber++;
      if (line.every((byte) => WHITESPACE.has(byte))) continue;
      if (++items > limits.maxItems) throw tooManyItems(limits);
      if (line.length > limits.maxItemBytes) throw itemTooLarge(limits, `line ${lineNumber}`);
      slice.push(parseJson(decodeUtf8(line, `line ${lineNumber}`), `line ${lineNumber}`));
    }
    if (slice.length > 0) yield slice;
  }
  if (items === 0) throw malformedJson("the body is empty");
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw malformedJson(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}
