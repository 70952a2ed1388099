/**
 * Splits a streamed top-level JSON array into its elements' bytes without ever holding more than the
 * current element, so multi-GiB bodies can be ingested in constant memory. The scanner checks only the
 * structure that decides where elements start and end (brackets, strings, depth-1 commas); each element's
 * inner grammar is left to the caller's JSON.parse, which is far faster than validating it here.
 */

/** Thrown for bytes that are not a well-formed JSON array; `offset` is the byte offset of the problem. */
export class MalformedJsonError extends Error {
  override readonly name = "MalformedJsonError";

  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * Thrown when one element is bigger than `maxElementBytes`; `offset` is where that element starts.
 * Deliberately not a MalformedJsonError: the JSON may be fine, it is just too big (413, not 400).
 */
export class ElementTooLargeError extends Error {
  override readonly name = "ElementTooLargeError";

  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Limits for {@link splitJsonArray}. */
export interface SplitterOptions {
  /** Largest single element in bytes; a bigger one throws ElementTooLargeError. */
  maxElementBytes: number;
}

/**
 * Consumes byte chunks (e.g. an http.IncomingMessage or any AsyncIterable<Buffer>) and yields each
 * top-level array element's exact bytes, whitespace around it trimmed, in order. Each yielded Buffer is a
 * copy, safe to keep. While an element spans chunks the splitter keeps views of them instead of copying, so
 * the source must not reuse a chunk's memory once it has handed it over (Node streams never do).
 *
 * Throws MalformedJsonError unless the body is exactly one JSON array (surrounded by optional whitespace).
 * Elements are yielded as soon as they end, so a body that turns out malformed later has already yielded
 * the elements before the problem; the error is thrown after them, whatever the chunking.
 */
export async function* splitJsonArray(chunks: AsyncIterable<Uint8Array>, options: SplitterOptions): AsyncGenerator<Buffer> {
  const splitter = new ArraySplitter(options.maxElementBytes);
  // Elements found in one chunk; a chunk's worth at most, so memory stays bounded by the chunk size.
  const found: Buffer[] = [];
  for await (const chunk of chunks) {
    try {
      splitter.write(asBuffer(chunk), found);
    } catch (error) {
      // Hand over what preceded the problem first, so the outcome does not depend on where chunks split.
      for (const element of found) yield element;
      throw error;
    }
    // Not `yield* found`: delegating to a sync iterable adds an await per element, ~20% of the split time.
    for (const element of found) yield element;
    found.length = 0;
  }
  splitter.end();
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_SQUARE = 0x5b;
const CLOSE_SQUARE = 0x5d;
const OPEN_CURLY = 0x7b;

/** Byte lookup tables: one array read per byte beats a chain of comparisons in the hot loops. */
function byteTable(bytes: string): Uint8Array {
  const table = new Uint8Array(256);
  for (const char of bytes) table[char.charCodeAt(0)] = 1;
  return table;
}
const WHITESPACE = byteTable(" \t\n\r");
/** The only bytes that matter inside an object or array outside strings. */
const STRUCTURAL = byteTable('"[]{}');
/** Bytes a number, true, false or null can consist of; JSON.parse sorts out which combinations are valid. */
const SCALAR = byteTable("0123456789+-.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

// The scanner's states; small integers keep the per-byte switch cheap.
/** Before the opening `[`. */
const BEFORE_ARRAY = 0;
/** Just after `[`: an element or `]`. */
const FIRST_ELEMENT = 1;
/** Just after a depth-1 comma: an element must follow. */
const NEXT_ELEMENT = 2;
/** After an element: `,` or `]`. */
const AFTER_ELEMENT = 3;
/** After the closing `]`: only whitespace may follow. */
const AFTER_ARRAY = 4;
/** Inside an element that is an object or array, outside any string. */
const IN_CONTAINER = 5;
/** Inside a string, either the element itself or one nested in a container. */
const IN_STRING = 6;
/** Inside a number, true, false or null that is an element itself. */
const IN_SCALAR = 7;

/**
 * The scanner behind splitJsonArray, for callers that push chunks themselves: `write` appends the
 * elements that end in a chunk to `found`; `end` throws if the array was never closed. A caller that
 * holds the whole body already passes no `found` and reads `elements` and `lastElementEnd` instead,
 * so no element is copied.
 */
export class ArraySplitter {
  /** Elements finished so far. */
  elements = 0;
  /** The absolute byte offset just past the last finished element (0 before any). */
  lastElementEnd = 0;
  private state: number = BEFORE_ARRAY;
  /** Bytes consumed before the current chunk, so errors can name absolute offsets. */
  private consumed = 0;
  /** Open brackets of the current element, innermost last, to check each closer matches. */
  private readonly open: number[] = [];
  /** A string's backslash was the last byte of the previous chunk, so this chunk's first byte is escaped. */
  private escapePending = false;
  /** The current element's bytes from earlier chunks, as views, concatenated once when it ends. */
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private elementOffset = 0;

  /**
   * With `copies: false`, an element that ends in the chunk it started in is a view of that chunk, not
   * a copy: for a caller done with each element before the chunk's memory is reused or released.
   */
  constructor(
    private readonly maxElementBytes: number,
    private readonly options: { copies: boolean } = { copies: true },
  ) {
    if (!(maxElementBytes > 0)) throw new RangeError(`maxElementBytes must be positive, got ${maxElementBytes}`);
  }

  /** Scans one chunk, appending the elements that end in it to `found` if given. */
  write(chunk: Buffer, found?: Buffer[]): void {
    const length = chunk.length;
    // Where the current element starts in this chunk; 0 when it began in an earlier one.
    let start = 0;
    let i = 0;
    while (i < length) {
      switch (this.state) {
        case IN_CONTAINER: {
          while (i < length && STRUCTURAL[chunk[i]!] === 0) i++;
          if (i === length) break;
          const byte = chunk[i++]!;
          if (byte === QUOTE) {
            this.state = IN_STRING;
          } else if (byte === OPEN_SQUARE || byte === OPEN_CURLY) {
            this.open.push(byte);
          } else {
            const expected = byte === CLOSE_SQUARE ? OPEN_SQUARE : OPEN_CURLY;
            if (this.open.pop() !== expected) throw this.malformed(`unexpected ${describe(byte)}: it does not match the open bracket`, i - 1);
            if (this.open.length === 0) this.finishElement(chunk, start, i, found);
          }
          break;
        }
        case IN_STRING: {
          const quote = this.closingQuote(chunk, i);
          if (quote === -1) {
            i = length;
            break;
          }
          i = quote + 1;
          if (this.open.length === 0) this.finishElement(chunk, start, i, found);
          else this.state = IN_CONTAINER;
          break;
        }
        case IN_SCALAR: {
          while (i < length && SCALAR[chunk[i]!] === 1) i++;
          if (i === length) break;
          const byte = chunk[i]!;
          if (WHITESPACE[byte] === 0 && byte !== COMMA && byte !== CLOSE_SQUARE) throw this.malformed(`unexpected ${describe(byte)} in a value`, i);
          // The delimiter is not part of the element; AFTER_ELEMENT consumes it.
          this.finishElement(chunk, start, i, found);
          break;
        }
        case FIRST_ELEMENT:
        case NEXT_ELEMENT: {
          const byte = chunk[i]!;
          if (WHITESPACE[byte] === 1) {
            i++;
          } else if (byte === CLOSE_SQUARE && this.state === FIRST_ELEMENT) {
            this.state = AFTER_ARRAY;
            i++;
          } else {
            start = i;
            this.startElement(byte, i);
            i++;
          }
          break;
        }
        case AFTER_ELEMENT: {
          const byte = chunk[i]!;
          if (byte === COMMA) this.state = NEXT_ELEMENT;
          else if (byte === CLOSE_SQUARE) this.state = AFTER_ARRAY;
          else if (WHITESPACE[byte] === 0) throw this.malformed(`expected ',' or ']' after an array element, found ${describe(byte)}`, i);
          i++;
          break;
        }
        case BEFORE_ARRAY: {
          const byte = chunk[i]!;
          if (byte === OPEN_SQUARE) this.state = FIRST_ELEMENT;
          else if (WHITESPACE[byte] === 0) throw this.malformed(`the body is not a JSON array: it starts with ${describe(byte)}`, i);
          i++;
          break;
        }
        case AFTER_ARRAY: {
          const byte = chunk[i]!;
          if (WHITESPACE[byte] === 0) throw this.malformed(`unexpected ${describe(byte)} after the array`, i);
          i++;
          break;
        }
      }
    }
    if (this.inElement()) this.keepPart(chunk.subarray(start), found !== undefined);
    this.consumed += length;
  }

  /** Checks the body did not stop early; call after the last chunk. */
  end(): void {
    if (this.state === AFTER_ARRAY) return;
    if (this.state === BEFORE_ARRAY) throw this.malformed("the body is empty", 0);
    throw this.malformed("the body ends before the array is closed", 0);
  }

  private inElement(): boolean {
    return this.state === IN_CONTAINER || this.state === IN_STRING || this.state === IN_SCALAR;
  }

  private startElement(byte: number, i: number): void {
    this.elementOffset = this.consumed + i;
    if (byte === OPEN_SQUARE || byte === OPEN_CURLY) {
      this.open.push(byte);
      this.state = IN_CONTAINER;
    } else if (byte === QUOTE) {
      this.state = IN_STRING;
    } else if (SCALAR[byte] === 1) {
      this.state = IN_SCALAR;
    } else if (byte === CLOSE_SQUARE || byte === COMMA) {
      const after = this.state === FIRST_ELEMENT ? "'['" : "','";
      throw this.malformed(`expected an array element after ${after}, found ${describe(byte)}`, i);
    } else {
      throw this.malformed(`unexpected ${describe(byte)} where an array element should start`, i);
    }
  }

  /**
   * Index of the quote that closes the string being scanned, or -1 if the chunk ends first. Jumps from
   * quote to quote with indexOf and decides whether each is escaped by counting the backslashes before
   * it, rather than also searching for backslashes: they are rare, and a miss would scan the whole chunk.
   */
  private closingQuote(chunk: Buffer, from: number): number {
    // Backslashes before `floor` were already accounted for: it follows the opening quote, an escaped quote,
    // or a byte escaped from the previous chunk.
    let floor = from;
    if (this.escapePending) {
      this.escapePending = false;
      floor++;
    }
    for (;;) {
      const quote = chunk.indexOf(QUOTE, floor);
      if (quote === -1) {
        this.escapePending = endsWithOddBackslashes(chunk, chunk.length, floor);
        return -1;
      }
      if (!endsWithOddBackslashes(chunk, quote, floor)) return quote;
      floor = quote + 1;
    }
  }

  private finishElement(chunk: Buffer, start: number, end: number, found: Buffer[] | undefined): void {
    const size = this.partsBytes + end - start;
    if (size > this.maxElementBytes) throw this.tooLarge();
    if (found) {
      const tail = chunk.subarray(start, end);
      if (this.parts.length > 0) found.push(Buffer.concat([...this.parts, tail], size));
      else found.push(this.options.copies ? Buffer.from(tail) : tail);
    }
    this.parts = [];
    this.partsBytes = 0;
    this.elements++;
    this.lastElementEnd = this.consumed + end;
    this.state = AFTER_ELEMENT;
  }

  /** Keeps the unfinished element's bytes (their count at least) from a chunk that ends inside it, failing as soon as it is too big. */
  private keepPart(part: Buffer, keep: boolean): void {
    if (part.length === 0) return;
    this.partsBytes += part.length;
    if (this.partsBytes > this.maxElementBytes) throw this.tooLarge();
    if (keep) this.parts.push(part);
  }

  private tooLarge(): ElementTooLargeError {
    return new ElementTooLargeError(`the array element at byte ${this.elementOffset} is larger than ${this.maxElementBytes} bytes`, this.elementOffset);
  }

  /** `at` is an index into the current chunk; end() passes 0 after the last chunk was counted. */
  private malformed(message: string, at: number): MalformedJsonError {
    const offset = this.consumed + at;
    return new MalformedJsonError(`${message} (at byte ${offset})`, offset);
  }
}

function endsWithOddBackslashes(chunk: Buffer, end: number, floor: number): boolean {
  let i = end;
  while (i > floor && chunk[i - 1] === BACKSLASH) i--;
  return (end - i) % 2 === 1;
}

function describe(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}'` : `byte 0x${byte.toString(16).padStart(2, "0")}`;
}

function asBuffer(chunk: Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  // A string chunk means someone called setEncoding on the stream; offsets would then count characters.
  if (!(chunk instanceof Uint8Array)) throw new TypeError("splitJsonArray expects byte chunks, not strings");
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
