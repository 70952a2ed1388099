import { createReadStream } from "node:fs";
import { ArraySplitter } from "@tally/shared/json";
import type { FileFormat } from "./parse-args.js";

/**
 * One event of the file: its JSON text, or why it cannot be sent. `position` is the 1-based line of an
 * NDJSON file or the 0-based index of a JSON array's element (as the API's own paths count: `[3]`).
 */
export type FileEvent = { ok: true; text: string; position: number } | { ok: false; position: number; reason: string };

/** No single event may be bigger: a file without newlines must not be buffered whole. */
const MAX_EVENT_BYTES = 64 * 1024 * 1024;

const NEWLINE = 0x0a;

/**
 * Streams a file's events, a chunk's worth at a time (yielding per event would cost an await each),
 * never holding more than one chunk and one event. `onBytes` hears of every chunk read, for progress.
 * Throws (after yielding what came before) if the file cannot be read or a JSON array is malformed.
 */
export async function* readEvents(file: string, format: FileFormat, onBytes: (bytes: number) => void): AsyncGenerator<FileEvent[]> {
  const chunks = withoutBom(createReadStream(file), onBytes);
  yield* format === "ndjson" ? ndjsonEvents(chunks) : jsonArrayEvents(chunks);
}

async function* ndjsonEvents(chunks: AsyncIterable<Buffer>): AsyncGenerator<FileEvent[]> {
  let line = 0;
  // The current line's bytes from earlier chunks; splitting on 0x0a is safe in UTF-8 (never inside a character).
  let carry: Buffer[] = [];
  let carryBytes = 0;
  for await (const chunk of chunks) {
    const found: FileEvent[] = [];
    let from = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, from)) {
      const bytes = carry.length === 0 ? chunk.subarray(from, newline) : Buffer.concat([...carry, chunk.subarray(from, newline)]);
      carry = [];
      carryBytes = 0;
      lineEvent(bytes, ++line, found);
      from = newline + 1;
    }
    if (from < chunk.length) {
      carryBytes += chunk.length - from;
      if (carryBytes > MAX_EVENT_BYTES) throw new Error(`line ${line + 1} is longer than ${MAX_EVENT_BYTES} bytes`);
      carry.push(chunk.subarray(from));
    }
    yield found;
  }
  // The last line needs no newline after it.
  const found: FileEvent[] = [];
  if (carry.length > 0) lineEvent(Buffer.concat(carry), line + 1, found);
  yield found;
}

function lineEvent(bytes: Buffer, line: number, found: FileEvent[]): void {
  const text = bytes.toString("utf8").trim();
  // Blank lines separate nothing in NDJSON; skipping them is what the API does too.
  if (text !== "") found.push(checked(text, line));
}

async function* jsonArrayEvents(chunks: AsyncIterable<Buffer>): AsyncGenerator<FileEvent[]> {
  const splitter = new ArraySplitter(MAX_EVENT_BYTES);
  let index = 0;
  const events = (elements: Buffer[]) => elements.map((bytes) => checked(bytes.toString("utf8"), index++));
  for await (const chunk of chunks) {
    const elements: Buffer[] = [];
    try {
      splitter.write(chunk, elements);
    } catch (error) {
      // Hand over the elements before a malformed spot first, so they count whatever the chunking.
      yield events(elements);
      throw error;
    }
    yield events(elements);
  }
  splitter.end();
}

/**
 * The loader frames a batch by joining items into one JSON array, so each item must be exactly one JSON
 * value: a line `1, 2` would otherwise become two items and corrupt both the batch and the counts. Only
 * syntax is checked here; whether a value is a valid event is the API's call (422 for its batch).
 */
function checked(text: string, position: number): FileEvent {
  try {
    JSON.parse(text);
    return { ok: true, text, position };
  } catch (error) {
    return { ok: false, position, reason: `not valid JSON: ${(error as Error).message}` };
  }
}

async function* withoutBom(stream: AsyncIterable<Buffer>, onBytes: (bytes: number) => void): AsyncGenerator<Buffer> {
  let first = true;
  for await (const chunk of stream) {
    onBytes(chunk.length);
    // Editors on Windows may start a UTF-8 file with a byte order mark, which is not JSON.
    if (first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) yield chunk.subarray(3);
    else yield chunk;
    first = false;
  }
}
